import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { loadConfig } from "./load-config.js";
import type { Config } from "./schema.js";

export interface ConfigWatcherEvents {
  /** A valid new config, different from the current one, to apply. */
  onReload(config: Config): void;
  /** An edit that does not validate: the old config stays. */
  onInvalid(error: unknown): void;
}

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
      if (!isDeepStrictEqual(current(), config)) events.onReload(config);
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
