import type { UsageKeys } from "../state/redis-keys.js";
import type { StateBackend } from "../state/state-backend.js";
import type { Telemetry } from "../telemetry/events.js";
import type { Logger } from "../telemetry/logger.js";
import { RedisUsageStore } from "./redis-usage-store.js";
import { utcDay } from "./usage-report.js";
import { MemoryUsageStore, type UsageStore } from "./usage-store.js";

/** Chosen once at start-up: counters in Redis when the gateway has one (replicas add up), in memory otherwise. */
export function createUsageStore(state: StateBackend, keys: UsageKeys): UsageStore {
  return state.redis ? new RedisUsageStore(state.redis, keys, state.address) : new MemoryUsageStore();
}

/** Adds every answer's usage ("answer.usage" events) to its tenant's counters; a failed update is logged. */
export function recordUsage(telemetry: Telemetry, usage: UsageStore, logger: Logger): () => void {
  return telemetry.on("answer.usage", (e) => {
    usage
      .add({ ...e, day: utcDay(Date.now()) })
      .catch((err: unknown) => logger.warn({ err, tenant: e.tenant }, "usage counters not updated"));
  });
}
