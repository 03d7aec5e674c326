import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * A Lua script run by EVALSHA. When Redis does not have it (first use, restart, SCRIPT FLUSH) it answers
 * NOSCRIPT, and the script is sent in full by EVAL, which also caches it for the next EVALSHA.
 */
export class RedisScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith("NOSCRIPT"))) throw err;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
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
