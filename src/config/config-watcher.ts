import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { loadConfig } from "./load-config.js";
import type { Config } from "./schema.js";

export interface ConfigWatcherEvents {
  /** A valid new config to apply; `restartNeeded` lists changed keys that only a restart applies. */
  onReload(config: Config, restartNeeded: string[]): void;
  /** An edit that does not validate: the old config stays. */
  onInvalid(error: unknown): void;
}

/** Keys read once at start-up (listening socket, state backend connections, breaker store). */
const START_UP_KEYS = ["server", "redis_url", "redis_key_prefix", "routing.breaker"] as const;

const DEBOUNCE_MS = 100;

/**
 * Watches the config file and re-validates it on every change. The folder is watched, not the file, because
 * editors and config-map updates replace the file rather than write into it.
 */
export function watchConfig(
  path: string,
  current: () => Config,
  events: ConfigWatcherEvents,
  env: Record<string, string | undefined> = process.env,
): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    try {
      const { config } = loadConfig({ path, env });
      const before = current();
      if (isDeepStrictEqual(before, config)) return;
      events.onReload(
        config,
        START_UP_KEYS.filter((key) => !isDeepStrictEqual(pick(before, key), pick(config, key))),
      );
    } catch (err) {
      events.onInvalid(err);
    }
  };
  const watcher = watch(dirname(path), (_, filename) => {
    if (filename !== null && filename !== basename(path)) return;
    clearTimeout(timer);
    timer = setTimeout(reload, DEBOUNCE_MS);
  });
  watcher.on("close", () => clearTimeout(timer));
  return watcher;
}

function pick(config: Config, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], config);
}
