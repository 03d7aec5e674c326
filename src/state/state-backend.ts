import { once } from "node:events";
import type { Redis } from "ioredis";
import { requireLazily } from "../package/require-lazily.js";

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
  ping(): Promise<PingResult>;
  /** Resolves once connected (at once for memory), or after timeoutMs with false. */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const PING_TIMEOUT_MS = 1000;

export function createStateBackend(redisUrl: string | undefined): StateBackend {
  if (!redisUrl) {
    return {
      kind: "memory",
      redis: undefined,
      ping: async () => ({ ok: true, latencyMs: 0 }),
      waitUntilReady: async () => true,
      close: async () => {},
    };
  }
  // No offline queue: while Redis is down, commands fail at once instead of piling up behind a reconnect.
  const { Redis: RedisClient } = requireLazily("ioredis") as typeof import("ioredis");
  const redis = new RedisClient(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on("error", () => {
    // Reported through ping() and /health; ioredis reconnects by itself.
  });
  return {
    kind: "redis",
    redis,
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
