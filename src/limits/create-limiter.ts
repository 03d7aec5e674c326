import type { StateBackend } from "../state/state-backend.js";
import type { LeaseTimingOptions } from "./lease-timing.js";
import { MemoryLimiter } from "./memory-limiter.js";
import { RedisLimiter } from "./redis-limiter.js";
import type { Limiter } from "./types.js";

export const DEFAULT_LIMITER_PREFIX = "runestone:limits";

export interface CreateLimiterOptions extends LeaseTimingOptions {
  /** Redis key namespace; ignored in memory. Default "runestone:limits". */
  prefix?: string;
}

/** Chosen once at start-up: Redis when the gateway has one (replicas share the limits), memory otherwise. */
export function createLimiter(state: StateBackend, options: CreateLimiterOptions = {}): Limiter {
  const { prefix = DEFAULT_LIMITER_PREFIX, ...timing } = options;
  return state.redis ? new RedisLimiter(state.redis, { prefix, ...timing }) : new MemoryLimiter(timing);
}
