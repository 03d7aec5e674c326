import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type Koa from "koa";
import { createApp } from "./app.js";
import { redactUrl } from "./cli.js";
import { LiveConfig } from "./config-snapshot.js";
import { watchConfig, type ConfigWatcherEvents } from "./config/config-watcher.js";
import type { Config } from "./config/schema.js";
import type { AppState } from "./http/app-state.js";
import { createRuntime, type Runtime } from "./runtime.js";
import { createLogger, type Logger } from "./telemetry/logger.js";

/** How long start-up waits for a configured Redis before serving without it (readiness says so). */
export const STATE_BACKEND_WAIT_MS = 3000;

export interface RunningGateway {
  server: Server;
  runtime: Runtime;
  /** Whether the state backend answered at start-up (always, in memory). */
  stateReady: boolean;
  /** e.g. http://127.0.0.1:4001 */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Default: one at the config's log_level. Either way an edit of log_level sets its level. */
  logger?: Logger;
  /** The config file to watch: valid edits apply without a restart, invalid ones are logged and ignored. */
  configPath?: string | null;
  /** The environment laid over the file on reload. */
  env?: Record<string, string | undefined>;
}

/** A gateway that is built but not listening: its Koa app, to serve or to mount in another Koa app. */
export interface Gateway {
  app: Koa<AppState>;
  runtime: Runtime;
  /** Whether the state backend answered at start-up (always, in memory). */
  stateReady: boolean;
  /** Stops the config watcher, the queue workers and the state backend's connections. */
  close(): Promise<void>;
}

/**
 * Builds the runtime (giving a configured Redis a moment to answer) and the app; watches the config file when given.
 */
export async function createGateway(config: Config, options: StartOptions = {}): Promise<Gateway> {
  const runtime = createRuntime(new LiveConfig(config), options.logger ?? createLogger(config.log_level));
  try {
    // The first model lists are in before the first request, or the hosts had their timeout to answer.
    const [stateReady] = await Promise.all([
      runtime.state.waitUntilReady(STATE_BACKEND_WAIT_MS),
      runtime.discovery.start(),
    ]);
    if (!stateReady) {
      const redisUrl = redactUrl(runtime.startup.get("redis_url") ?? "");
      runtime.logger.warn(
        { redis_url: redisUrl },
        `Redis at ${redisUrl} did not answer within ${STATE_BACKEND_WAIT_MS} ms; starting anyway ` +
          "(not ready, and requests that need it get 503, until it answers)",
      );
    }
    const app = await createApp(runtime);
    const watcher = options.configPath
      ? watchConfig(options.configPath, () => runtime.snapshot().config, reloadEvents(runtime), options.env)
      : undefined;
    return {
      app,
      runtime,
      stateReady,
      async close() {
        watcher?.close();
        await runtime.close();
      },
    };
  } catch (err) {
    await runtime.close().catch(() => undefined);
    throw err;
  }
}

/** Builds the gateway and listens on the configured host and port. */
export async function startGateway(config: Config, options: StartOptions = {}): Promise<RunningGateway> {
  const gateway = await createGateway(config, options);
  const { startup } = gateway.runtime;
  const host = startup.get("server.host");
  const server = createServer(gateway.app.callback());
  // Longer than any load balancer's idle timeout, so it is the balancer that closes idle connections.
  server.keepAliveTimeout = 65_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(startup.get("server.port"), host, resolve);
    });
  } catch (err) {
    await gateway.close().catch(() => undefined);
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const reachable = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return {
    server,
    runtime: gateway.runtime,
    stateReady: gateway.stateReady,
    url: `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}

function reloadEvents(runtime: Runtime): ConfigWatcherEvents {
  return {
    onReload(config) {
      const restartNeeded = runtime.reconfigure(config);
      runtime.logger.info({ restart_needed_for: restartNeeded }, "configuration reloaded");
      if (restartNeeded.length > 0)
        runtime.logger.warn(
          { keys: restartNeeded },
          `these changes take effect after a restart: ${restartNeeded.join(", ")}`,
        );
    },
    onInvalid(err) {
      runtime.logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        "configuration edit refused; keeping the previous configuration",
      );
    },
  };
}
