import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.js";
import type { Config } from "./config/schema.js";
import { watchConfig, type ConfigWatcherEvents } from "./config/config-watcher.js";
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

export interface StartOptions {
  logger?: Logger;
  /** The config file to watch: valid edits apply without a restart, invalid ones are logged and ignored. */
  configPath?: string | null;
  /** The environment laid over the file on reload. */
  env?: Record<string, string | undefined>;
}

/** Builds the runtime and the app, and listens. */
export async function startGateway(config: Config, options: StartOptions = {}): Promise<RunningGateway> {
  const logger = options.logger;
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
  const watcher = options.configPath ? watchConfig(options.configPath, () => runtime.config, reloadEvents(runtime), options.env) : undefined;
  const { port } = server.address() as AddressInfo;
  const host = config.server.host === "0.0.0.0" || config.server.host === "::" ? "127.0.0.1" : config.server.host;
  return {
    server,
    runtime,
    url: `http://${host}:${port}`,
    async close() {
      watcher?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    },
  };
}

function reloadEvents(runtime: Runtime): ConfigWatcherEvents {
  return {
    onReload(config, restartNeeded) {
      runtime.reconfigure(config);
      runtime.logger.info({ restart_needed_for: restartNeeded }, "configuration reloaded");
      if (restartNeeded.length > 0) runtime.logger.warn({ keys: restartNeeded }, "these changes take effect after a restart");
    },
    onInvalid(err) {
      runtime.logger.error({ err: err instanceof Error ? err.message : String(err) }, "configuration edit refused; keeping the previous configuration");
    },
  };
}
