import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { createOverflowQueue } from "../../../src/queue/create-overflow-queue.js";
import type { QueuePacing, QueueSettings } from "../../../src/queue/queue-settings.js";
import type { OverflowQueue } from "../../../src/queue/types.js";
import { redisKeys, type QueueKeys } from "../../../src/state/redis-keys.js";
import { Telemetry, type TelemetryEvents } from "../../../src/telemetry/events.js";
import { DEFAULTS } from "../../support/config-defaults.js";
import { connectRedis, deleteKeys, REDIS_URL } from "./redis.js";

export type QueueKind = "memory" | "redis";

/** Short enough for fast tests, long enough not to be flaky. */
export const FAST_PACING: Partial<QueuePacing> = {
  slotPollMs: 10,
  retryBaseDelayMs: 10,
  retryMaxDelayMs: 50,
  tenantRefreshMs: 100,
  closeGraceMs: 500,
};
export const FAST_STALL_INTERVAL_MS = 1_000;

/** A tenant's max_queue_depth when the config sets none. */
export const DEFAULT_MAX_DEPTH = DEFAULTS.config.tenant_defaults.max_queue_depth;

export interface OpenOptions {
  /** The configured queue settings with these overrides, or an accessor, to edit them while the queue runs. */
  settings?: Partial<QueueSettings> | (() => QueueSettings);
  pacing?: Partial<QueuePacing>;
  stallIntervalMs?: number;
  telemetry?: Telemetry;
  /** Another replica's connection; default the harness's own. */
  redis?: Redis;
}

export interface QueueHarness {
  /** A queue on the test's Redis key prefix (or in memory), closed after the test. */
  open(kind: QueueKind, options?: OpenOptions): OverflowQueue;
  /** A second Redis connection, as another replica would have; closed after the test. */
  connection(): Promise<Redis>;
  redis(): Redis;
  /** The Redis keys of the test's queues. */
  keys(): QueueKeys;
  /** The test's redis_key_prefix. */
  prefix(): string;
}

/** Registers the hooks: one Redis connection for the file, a fresh key prefix per test, cleanup after it. */
export function useQueueHarness(): QueueHarness {
  let redis: Redis | undefined;
  let prefix = "";
  const queues: OverflowQueue[] = [];
  const connections: Redis[] = [];

  beforeAll(async () => {
    redis = await connectRedis();
  });
  beforeEach(() => {
    prefix = `test:queue:${randomUUID()}:`;
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
    for (const connection of connections.splice(0)) connection.disconnect();
    if (redis) await deleteKeys(redis, prefix);
  });
  afterAll(() => {
    redis?.disconnect();
  });

  const current = (): Redis => {
    if (!redis) throw new Error("Redis is not connected yet");
    return redis;
  };
  return {
    open(kind, options = {}) {
      const {
        settings = {},
        pacing = {},
        stallIntervalMs = FAST_STALL_INTERVAL_MS,
        telemetry = new Telemetry(),
      } = options;
      const backend =
        kind === "redis"
          ? { redisUrl: REDIS_URL, redis: options.redis ?? current(), keys: redisKeys(prefix).queue, stallIntervalMs }
          : {};
      const configured = { ...DEFAULTS.queue, ...(typeof settings === "function" ? {} : settings) };
      const live = typeof settings === "function" ? settings : () => configured;
      const queue = createOverflowQueue(backend, telemetry, live, { ...FAST_PACING, ...pacing });
      queues.push(queue);
      return queue;
    },
    async connection() {
      const connection = await connectRedis();
      connections.push(connection);
      return connection;
    },
    redis: current,
    keys: () => redisKeys(prefix).queue,
    prefix: () => prefix,
  };
}

export function recordQueueEvents(telemetry: Telemetry): TelemetryEvents["queue.job"][] {
  const events: TelemetryEvents["queue.job"][] = [];
  telemetry.on("queue.job", (event) => events.push(event));
  return events;
}
