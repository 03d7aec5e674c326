import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.js";
import type { Config } from "./config/schema.js";
import { createRuntime, type Runtime } from "./runtime.js";
import type { Logger } from "./telemetry/logger.js";

/** How long start-up waits for a configured Redis before serving without it (readiness says so). */
const STATE_BACKEND_WAIT_MS = 3000;

export interface RunningGateway {
  server: Server;
  runtime: Runtime;
  /** e.g. http://127.0.0.1:4001 */
  url: string;
  close(): Promise<void>;
}

/** Builds the runtime and the app, and listens. */
export async function startGateway(config: Config, logger?: Logger): Promise<RunningGateway> {
  const runtime = createRuntime(config, logger);
  if (!(await runtime.state.waitUntilReady(STATE_BACKEND_WAIT_MS))) {
    runtime.logger.warn({ redis_url: config.redis_url }, `Redis did not answer within ${STATE_BACKEND_WAIT_MS} ms; starting anyway (not ready until it does)`);
  }
  const app = await createApp(runtime);
  const server = createServer(app.callback());
  // Longer than any load balancer's idle timeout, so it is the balancer that closes idle connections.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.server.host === "0.0.0.0" || config.server.host === "::" ? "127.0.0.1" : config.server.host;
  return {
    server,
    runtime,
    url: `http://${host}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    },
  };
}
