import type { Redis } from "ioredis";
import type { RedisScript } from "./redis-script.js";

interface QueuedRun {
  script: RedisScript;
  keys: readonly string[];
  args: readonly (string | number)[];
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/** By connection: the script runs waiting for the end of this round of I/O. */
const queued = new WeakMap<Redis, QueuedRun[]>();

/**
 * Runs `script` together with the other script runs asked for on the connection while handling this round of I/O
 * (under load, many requests' admissions, breakers and releases): one pipeline, so one write and one read for all
 * of them instead of a syscall each. Unlike ioredis's enableAutoPipelining, a batch does not wait for the one
 * before it to be answered, so a frozen Redis costs each command its own timeout and no more.
 */
export function runInBatch(
  redis: Redis,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const run = { script, keys, args, resolve, reject };
    const runs = queued.get(redis);
    if (runs) {
      runs.push(run);
      return;
    }
    queued.set(redis, [run]);
    setImmediate(() => void send(redis));
  });
}

async function send(redis: Redis): Promise<void> {
  const runs = queued.get(redis) ?? [];
  queued.delete(redis);
  const pipeline = redis.pipeline();
  for (const { script, keys, args } of runs) pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
  let replies: Array<[Error | null, unknown]>;
  try {
    replies = (await pipeline.exec()) ?? [];
  } catch (err) {
    for (const run of runs) run.reject(err);
    return;
  }
  runs.forEach((run, i) => {
    const [err, reply] = replies[i] ?? [new Error("no reply for a script run in the pipeline"), undefined];
    if (!err) run.resolve(reply);
    else if (!err.message.startsWith("NOSCRIPT")) run.reject(err);
    else redis.eval(run.script.source, run.keys.length, ...run.keys, ...run.args).then(run.resolve, run.reject);
  });
}
