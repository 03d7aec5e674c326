import { once } from "node:events";
import type { Redis, RedisOptions } from "ioredis";
import { requireLazily } from "../package/require-lazily.js";
import { redisAddress } from "./redis-failure.js";

export interface PingResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** Where shared state lives: this process's memory, or a Redis that replicas share. */
export interface StateBackend {
  readonly kind: "memory" | "redis";
  /** The Redis connection, for the Redis implementations of the limiter, queue and breakers. */
  readonly redis: Redis | undefined;
  /** host:port of the Redis, for messages ("memory" without one). */
  readonly address: string;
  ping(): Promise<PingResult>;
  /** Resolves once connected (at once for memory), or after timeoutMs with false. */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const PING_TIMEOUT_MS = 1000;

/**
 * No Redis command of the gateway waits longer than this: a frozen Redis (SIGSTOP, a stuck host) answers nothing
 * while the connection stays up, and a request waiting on it would hang for as long as the freeze lasts.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1500;

/**
 * The options of every ioredis connection the gateway opens. No offline queue: while Redis is down, commands fail
 * at once instead of piling up behind a reconnect; reconnects are tried every 50 ms to 1 s, forever.
 */
export const REDIS_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
  connectTimeout: 2000,
  retryStrategy: (attempt) => Math.min(attempt * 50, 1000),
};

export function createStateBackend(redisUrl: string | undefined): StateBackend {
  if (!redisUrl) {
    return {
      kind: "memory",
      redis: undefined,
      address: "memory",
      ping: async () => ({ ok: true, latencyMs: 0 }),
      waitUntilReady: async () => true,
      close: async () => {},
    };
  }
  const { Redis: RedisClient } = requireLazily("ioredis") as typeof import("ioredis");
  const redis = new RedisClient(redisUrl, { ...REDIS_OPTIONS, lazyConnect: false });
  redis.on("error", () => {
    // Reported through ping() and /health; ioredis reconnects by itself.
  });
  return {
    kind: "redis",
    redis,
    address: redisAddress(redisUrl),
    async ping() {
      const started = performance.now();
      const deadline = AbortSignal.timeout(PING_TIMEOUT_MS);
      try {
        // Still (re)connecting: wait for the connection rather than fail at once, within the same time limit.
        if (redis.status !== "ready") await once(redis, "ready", { signal: deadline });
        await Promise.race([
          redis.ping(),
          once(deadline, "abort").then(() => Promise.reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`))),
        ]);
        return { ok: true, latencyMs: performance.now() - started };
      } catch (err) {
        return {
          ok: false,
          latencyMs: performance.now() - started,
          error: err instanceof Error ? err.message : String(err),
        };
      }
    },
    async waitUntilReady(timeoutMs) {
      if (redis.status === "ready") return true;
      return once(redis, "ready", { signal: AbortSignal.timeout(timeoutMs) }).then(
        () => true,
        () => false,
      );
    },
    async close() {
      redis.disconnect();
    },
  };
}
