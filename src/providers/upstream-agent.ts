import { Agent } from "undici";

/**
 * The connection pool one provider's SDK client uses: keep-alive connections, and a limit on the time to open
 * one (connect_timeout_ms) so that an unreachable host fails over in seconds rather than the OS's minutes.
 */
export function createUpstreamAgent(connectTimeoutMs: number): Agent {
  return new Agent({ connect: { timeout: connectTimeoutMs }, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
}
