import type Koa from "koa";
import { loadConfig, parseConfig, type LoadedConfig } from "./config/load-config.js";
import type { ConfigInput } from "./config/schema.js";
import type { AppState } from "./http/app-state.js";
import type { Runtime } from "./runtime.js";
import { createGateway, startGateway, type RunningGateway } from "./server.js";
import type { Logger } from "./telemetry/logger.js";

/**
 * Runestone as a library:
 *
 *   import { createApp, start } from "runestone";
 *
 *   const gateway = await start({ config: "runestone.yaml" });          // run it as is
 *   app.use(mount("/llm", await createApp({ config: { ... } })));       // or mount it in a Koa service
 *
 * Both build the same gateway as `npm start` (src/server.ts): the config is validated the same way, the
 * environment variables override it the same way, and a config file given by path is watched for edits.
 */

export type { Config, ConfigInput } from "./config/schema.js";
export { ConfigError } from "./config/load-config.js";
export type { RunningGateway } from "./server.js";
export type { Runtime } from "./runtime.js";
export type { Logger } from "./telemetry/logger.js";
export { VERSION } from "./package/version.js";

export interface RunestoneOptions {
  /**
   * The configuration: an object shaped like runestone.yaml, or the path of a YAML file (watched: valid edits
   * apply without a restart). Default: `RUNESTONE_CONFIG`, else `./runestone.yaml` when present, else the defaults.
   */
  config?: ConfigInput | string;
  /**
   * Environment variables laid over the config (`OPENAI_API_KEY`, `REDIS_URL`, `PORT`...; see the README):
   * `process.env` by default; pass `{}` to take the config as it is.
   */
  env?: Record<string, string | undefined>;
  /**
   * A pino logger; by default one at the config's `log_level`, writing JSON lines to stdout. Either way an edit of
   * `log_level` in a watched config file sets its level.
   */
  logger?: Logger;
}

export interface StartOptions extends RunestoneOptions {
  /** Overrides `server.port` (as `PORT` does); 0 picks a free port. */
  port?: number;
}

/** The gateway's Koa application, plus what it holds open. */
export type RunestoneApp = Koa<AppState> & {
  runtime: Runtime;
  /** Stops the queue workers, the config watcher and the Redis connections (the app's server is yours to close). */
  close(): Promise<void>;
};

/** Validates the options' config as `npm start` validates its file; throws ConfigError listing every mistake. */
export function resolveConfig(options: RunestoneOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  if (typeof options.config === "string") return loadConfig({ path: options.config, env });
  if (options.config === undefined) return loadConfig({ env });
  return { config: parseConfig(options.config, env, "the config passed to Runestone"), path: null };
}

/** The configured Koa application, not listening: serve it with `app.callback()` or mount it (koa-mount). */
export async function createApp(options: RunestoneOptions = {}): Promise<RunestoneApp> {
  const { config, path } = resolveConfig(options);
  const gateway = await createGateway(config, {
    logger: options.logger,
    configPath: path,
    env: options.env ?? process.env,
  });
  return Object.assign(gateway.app, { runtime: gateway.runtime, close: () => gateway.close() });
}

/** The gateway listening on its configured (or the given) host and port; `close()` stops it. */
export async function start(options: StartOptions = {}): Promise<RunningGateway> {
  // The port goes in as PORT does, so that a reload of the config file keeps it.
  const env = {
    ...(options.env ?? process.env),
    ...(options.port !== undefined ? { PORT: String(options.port) } : {}),
  };
  const { config, path } = resolveConfig({ ...options, env });
  return startGateway(config, { logger: options.logger, configPath: path, env });
}
