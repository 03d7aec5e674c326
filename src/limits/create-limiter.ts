import type { LimiterKeys } from "../state/redis-keys.js";
import type { StateBackend } from "../state/state-backend.js";
import type { LeaseTiming } from "./lease-timing.js";
import { MemoryLimiter } from "./memory-limiter.js";
import { RedisLimiter } from "./redis-limiter.js";
import type { Limiter } from "./types.js";

export interface CreateLimiterOptions {
  keys: LimiterKeys;
  /** The timing of new leases, as configured now; a lease keeps the timing it was granted with. */
  timing: () => LeaseTiming;
}

/** Chosen once at start-up: Redis when the gateway has one (replicas share the limits), memory otherwise. */
export function createLimiter(state: StateBackend, { keys, timing }: CreateLimiterOptions): Limiter {
  return state.redis
    ? new RedisLimiter(state.redis, { keys, timing, address: state.address })
    : new MemoryLimiter(timing);
}
