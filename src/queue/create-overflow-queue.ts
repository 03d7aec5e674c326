import type { StateBackend } from "../state/state-backend.js";
import type { Telemetry } from "../telemetry/events.js";
import { BeeTransport } from "./bee-transport.js";
import { MemoryJobStore } from "./memory-job-store.js";
import { MemoryTransport } from "./memory-transport.js";
import { activeRecordTtlMs, resolveQueueSettings, type QueueSettings } from "./queue-settings.js";
import { RedisJobStore } from "./redis-job-store.js";
import { TransportQueue } from "./transport-queue.js";
import type { OverflowQueue } from "./types.js";

/**
 * bee-queue on the state backend's Redis when there is one (replicas share the queue, jobs survive restarts),
 * otherwise an in-memory queue with the same behaviour, lost on restart.
 */
export function createOverflowQueue(state: Pick<StateBackend, "redis">, telemetry: Telemetry, overrides: Partial<QueueSettings> = {}): OverflowQueue {
  const settings = resolveQueueSettings(overrides);
  if (!state.redis) return new TransportQueue(new MemoryJobStore(settings.resultTtlMs), new MemoryTransport(), settings, telemetry);
  const store = new RedisJobStore(state.redis, { prefix: settings.prefix, resultTtlMs: settings.resultTtlMs, activeTtlMs: activeRecordTtlMs(settings) });
  const transport = new BeeTransport(state.redis, {
    prefix: settings.prefix,
    stallIntervalMs: settings.stallIntervalMs,
    onError: (tenant, err) => telemetry.emit("queue.error", { tenant, message: err.message }),
  });
  return new TransportQueue(store, transport, settings, telemetry);
}
