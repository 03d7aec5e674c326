import { isDeepStrictEqual } from "node:util";
import type { Config } from "./schema.js";

/**
 * The keys that start-up reads once, and why each cannot follow an edit of the config file. Every other key
 * applies live: components read it from the current snapshot when they use it. Start-up code sees the config only
 * through StartupConfig, whose get() takes these keys and no other, and a test checks that start-up reads every
 * one of them. The configuration reference in the README marks them.
 */
export const RESTART_ONLY_KEYS = {
  "server.host": "the listening socket is opened once",
  "server.port": "the listening socket is opened once",
  redis_url: "the state backend's connections are opened once",
  redis_key_prefix: "it names every Redis key; a new one would orphan the leases, jobs and breakers kept under the old",
  "queue.stall_interval_ms":
    "bee-queue fixes it per queue, for its workers' heartbeat and the stall check alike, and replicas must agree on it",
} as const satisfies Record<string, string>;

export type RestartOnlyKey = keyof typeof RESTART_ONLY_KEYS;

/** The type of the value at a dotted key path ("server.port" → number). */
type ValueAt<T, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? ValueAt<T[Head], Rest>
    : never
  : P extends keyof T
    ? T[P]
    : never;

/** The config as start-up code sees it: the restart-only keys, and nothing else. */
export interface StartupConfig {
  get<K extends RestartOnlyKey>(key: K): ValueAt<Config, K>;
  /** The keys read so far, for the test that checks the table against what start-up reads. */
  reads(): RestartOnlyKey[];
}

export function startupConfig(config: Config): StartupConfig {
  const read = new Set<RestartOnlyKey>();
  return {
    get<K extends RestartOnlyKey>(key: K): ValueAt<Config, K> {
      if (!Object.hasOwn(RESTART_ONLY_KEYS, key))
        throw new Error(`'${key}' is not a restart-only key: read it from the live snapshot where it is used`);
      read.add(key);
      return valueAt(config, key) as ValueAt<Config, K>;
    },
    reads: () => [...read],
  };
}

/** The restart-only keys whose values differ between two configs. */
export function changedRestartOnlyKeys(before: Config, after: Config): RestartOnlyKey[] {
  return (Object.keys(RESTART_ONLY_KEYS) as RestartOnlyKey[]).filter(
    (key) => !isDeepStrictEqual(valueAt(before, key), valueAt(after, key)),
  );
}

function valueAt(config: Config, path: string): unknown {
  return path.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], config);
}
