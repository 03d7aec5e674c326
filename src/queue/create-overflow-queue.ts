import type { Redis } from "ioredis";
import { requireLazily } from "../package/require-lazily.js";
import { redisAddress, stateBackendUnavailable } from "../state/redis-failure.js";
import { REDIS_OPTIONS } from "../state/state-backend.js";
import type { QueueKeys } from "../state/redis-keys.js";
import type { Telemetry } from "../telemetry/events.js";
import { BeeTransport } from "./bee-transport.js";
import { MemoryJobStore } from "./memory-job-store.js";
import { MemoryTransport } from "./memory-transport.js";
import { activeRecordTtlMs, QUEUE_PACING, type QueuePacing, type QueueSettings } from "./queue-settings.js";
import { RedisJobStore } from "./redis-job-store.js";
import { TransportQueue } from "./transport-queue.js";
import type { OverflowQueue } from "./types.js";

export type QueueBackend =
  /** In this process's memory. */
  | { redisUrl?: undefined }
  /** In this Redis, shared by the replicas; fixed for the queue's life. */
  | {
      redisUrl: string;
      keys: QueueKeys;
      /** A connection to that Redis for the job records (the StateBackend's); the queue opens its own when absent. */
      redis?: Redis;
      /** bee-queue's stall interval (see BeeTransport). */
      stallIntervalMs: number;
    };

/**
 * bee-queue on Redis when there is one (replicas share the queue, jobs survive restarts), otherwise an
 * in-memory queue with the same behaviour, lost on restart. `settings` is read whenever a value is used.
 */
export function createOverflowQueue(
  backend: QueueBackend,
  telemetry: Telemetry,
  settings: () => QueueSettings,
  pacing: Partial<QueuePacing> = {},
): OverflowQueue {
  const paced = { ...QUEUE_PACING, ...pacing };
  if (backend.redisUrl === undefined) {
    const store = new MemoryJobStore(() => settings().resultTtlMs);
    return new TransportQueue(store, new MemoryTransport(), settings, paced, telemetry);
  }
  const ioredis = requireLazily("ioredis") as typeof import("ioredis");
  const redis = backend.redis ?? new ioredis.Redis(backend.redisUrl, REDIS_OPTIONS);
  const store = new RedisJobStore(redis, {
    keys: backend.keys,
    resultTtlMs: () => settings().resultTtlMs,
    activeTtlMs: () => activeRecordTtlMs(settings(), paced),
    closeConnection: backend.redis === undefined,
  });
  const transport = new BeeTransport(redis, {
    redisUrl: backend.redisUrl,
    keys: backend.keys,
    stallIntervalMs: backend.stallIntervalMs,
    onError: (tenant, message) => telemetry.emit("queue.error", { tenant, message }),
  });
  const address = redisAddress(backend.redisUrl);
  return new TransportQueue(store, transport, settings, paced, telemetry, (err) =>
    stateBackendUnavailable(address, err),
  );
}
