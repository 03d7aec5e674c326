import { createHash, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { integerArrayReply, integerReply, RedisScript } from "../../src/state/redis-script.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});
afterAll(async () => {
  await redis.quit();
});

describe("RedisScript", () => {
  it("sends a script Redis does not know in full, which loads it for the next EVALSHA", async () => {
    // Unique, so that no other test can have loaded it.
    const source = `return {KEYS[1], ARGV[1]} -- ${randomUUID()}`;
    const sha = createHash("sha1").update(source).digest("hex");
    const script = new RedisScript(source);
    expect(await redis.script("EXISTS", sha)).toEqual([0]);

    expect(await script.run(redis, ["k"], ["first"])).toEqual(["k", "first"]);
    expect(await redis.script("EXISTS", sha)).toEqual([1]);
    expect(await script.run(redis, ["k"], [2])).toEqual(["k", "2"]);
  });

  it("passes on errors other than NOSCRIPT", async () => {
    const script = new RedisScript(`return redis.call('INCR', KEYS[1]) -- ${randomUUID()}`);
    const key = `test:redis-script:${randomUUID()}`;
    await redis.set(key, "not a number", "PX", 10_000);
    await expect(script.run(redis, [key], [])).rejects.toThrow(/not an integer/);
    await redis.del(key);
  });

  it("sends the runs asked for in one round of I/O as one pipeline, each with its own reply or error", async () => {
    const key = `test:redis-script:${randomUUID()}`;
    await redis.set(key, "not a number", "PX", 10_000);
    const known = new RedisScript(`return ARGV[1] -- ${randomUUID()}`);
    await known.run(redis, [], ["load"]);
    const unknown = new RedisScript(`return KEYS[1] -- ${randomUUID()}`);
    const failing = new RedisScript(`return redis.call('INCR', KEYS[1]) -- ${randomUUID()}`);
    let pipelines = 0;
    const pipeline = redis.pipeline.bind(redis);
    redis.pipeline = (...commands) => {
      pipelines++;
      return pipeline(...commands);
    };
    const runs = await Promise.allSettled([
      known.run(redis, [], ["a"]),
      unknown.run(redis, ["b"], []),
      failing.run(redis, [key], []),
      known.run(redis, [], ["c"]),
    ]);
    redis.pipeline = pipeline;
    expect(pipelines).toBe(1);
    expect(runs.map((r) => (r.status === "fulfilled" ? r.value : String(r.reason)))).toEqual([
      "a",
      "b",
      expect.stringMatching(/not an integer/),
      "c",
    ]);
    await redis.del(key);
  });
});

describe("reply decoding", () => {
  it("takes an integer, or an array of integers of the expected length", () => {
    expect(integerReply(3)).toBe(3);
    expect(integerArrayReply([1, 2], 2)).toEqual([1, 2]);
  });

  it.each([
    ["a string for an integer", () => integerReply("3")],
    ["null for an integer", () => integerReply(null)],
    ["an array of the wrong length", () => integerArrayReply([1, 2, 3], 2)],
    ["an array holding a string", () => integerArrayReply([1, "2"], 2)],
  ])("refuses %s", (_name, decode) => {
    expect(decode).toThrow(/unexpected Redis script reply/);
  });
});
