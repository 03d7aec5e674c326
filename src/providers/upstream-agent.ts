import { Agent } from "undici";

/**
 * One provider's connection pool, shared by its direct undici calls (upstream-http.ts) and its SDK client:
 * keep-alive connections, and a limit on the time to open one (connect_timeout_ms) so that an unreachable host
 * fails over in seconds rather than the OS's minutes.
 */
export function createUpstreamAgent(connectTimeoutMs: number): Agent {
  return new Agent({ connect: { timeout: connectTimeoutMs }, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
}
