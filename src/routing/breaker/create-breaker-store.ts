import type { BreakerKeys } from "../../state/redis-keys.js";
import type { StateBackend } from "../../state/state-backend.js";
import type { BreakerStore } from "./breaker-store.js";
import { MemoryBreakerStore } from "./memory-breaker-store.js";
import { RedisBreakerStore } from "./redis-breaker-store.js";

/** Chosen once at start-up: shared breakers when the gateway has a Redis, per-process ones otherwise. */
export function createBreakerStore(backend: StateBackend, keys: BreakerKeys): BreakerStore {
  return backend.redis ? new RedisBreakerStore(backend.redis, { keys }) : new MemoryBreakerStore();
}
