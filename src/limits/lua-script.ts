import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** A Lua script sent by SHA (EVALSHA), and in full only when the server does not have it cached yet. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

export function integerReply(reply: unknown): number {
  if (typeof reply !== "number") throw new TypeError(`unexpected Redis script reply: ${JSON.stringify(reply)}`);
  return reply;
}

export function integerArrayReply(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length !== length || !reply.every((item) => typeof item === "number")) {
    throw new TypeError(`unexpected Redis script reply: ${JSON.stringify(reply)}`);
  }
  return reply;
}
