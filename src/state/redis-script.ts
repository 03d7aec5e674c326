import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { runInBatch } from "./script-batch.js";

/**
 * A Lua script run by EVALSHA. When Redis does not have it (first use, restart, SCRIPT FLUSH) it answers
 * NOSCRIPT, and the script is sent in full by EVAL, which also caches it for the next EVALSHA.
 */
export class RedisScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  /** Sent together with the other script runs of this round of I/O on the connection (see script-batch.ts). */
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return runInBatch(redis, this, keys, args);
  }
}

export function integerReply(reply: unknown): number {
  if (typeof reply !== "number") throw unexpectedReply(reply);
  return reply;
}

export function integerArrayReply(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length !== length || !reply.every((item) => typeof item === "number")) {
    throw unexpectedReply(reply);
  }
  return reply;
}

export function unexpectedReply(reply: unknown): TypeError {
  return new TypeError(`unexpected Redis script reply: ${JSON.stringify(reply)}`);
}
