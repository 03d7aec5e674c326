import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOverflowQueue } from "../../src/queue/create-overflow-queue.js";
import type { OverflowQueue } from "../../src/queue/types.js";
import { redisKeys } from "../../src/state/redis-keys.js";
import { REDIS_OPTIONS } from "../../src/state/state-backend.js";
import { Telemetry } from "../../src/telemetry/events.js";
import { DEFAULTS } from "../support/config-defaults.js";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis.js";
import { chatRequest } from "./support/completion.js";
import { FakeRunner } from "./support/fake-runner.js";
import { DEFAULT_MAX_DEPTH, FAST_PACING, FAST_STALL_INTERVAL_MS } from "./support/queue-harness.js";
import { waitFor } from "./support/wait-for.js";

/** Each test on its own redis-server, so that its connection counts are its own. */
let redis: PrivateRedis;
let connection: Redis;
const queues: OverflowQueue[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
  connection = new Redis(redis.url, REDIS_OPTIONS);
});
afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
  await connection.flushall();
});
afterAll(async () => {
  connection.disconnect();
  await redis.stop();
});

const prefix = `test:resources:${randomUUID()}:`;
const keys = redisKeys(prefix).queue;

function openQueue(idleReleaseMs = 60_000): OverflowQueue {
  const queue = createOverflowQueue(
    { redisUrl: redis.url, redis: connection, keys, stallIntervalMs: FAST_STALL_INTERVAL_MS },
    new Telemetry(),
    () => DEFAULTS.queue,
    { ...FAST_PACING, idleReleaseMs },
  );
  queues.push(queue);
  return queue;
}

function enqueue(queue: OverflowQueue, tenant: string, requestId: string) {
  return queue.enqueue({ tenant, requestId, request: chatRequest(requestId), maxDepth: DEFAULT_MAX_DEPTH });
}

async function finished(queue: OverflowQueue, id: string, tenant: string): Promise<string> {
  return waitFor(
    async () => {
      const status = (await queue.get(id, tenant))?.status;
      return status === "queued" || status === "running" ? undefined : status;
    },
    8_000,
    `job ${id} to finish`,
  );
}

/** The connected clients once they have stopped changing for 300 ms. */
async function settledClients(): Promise<number> {
  let last = await redis.clients();
  for (let stable = 0; stable < 3; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await redis.clients();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

describe("the Redis queue's per-tenant resources", () => {
  it("opens connections only for a tenant with jobs, closes them once it is idle, prunes the registry", async () => {
    const baseline = await settledClients();
    const tenants = Array.from({ length: 50 }, (_, n) => `tenant-${n}`);
    const queue = openQueue(300);
    queue.startWorkers({ runner: new FakeRunner(), tenants: () => tenants });
    expect(await settledClients()).toBe(baseline);

    const { id } = await enqueue(queue, "tenant-7", "req-1");
    expect(await finished(queue, id, "tenant-7")).toBe("succeeded");
    // The tenant's worker: its command connection and its blocking one.
    expect(await redis.clients()).toBe(baseline + 2);
    await waitFor(async () => (await connection.smembers(keys.tenants)).length === 0, 2_000, "the registry pruned");

    await waitFor(async () => (await redis.clients()) === baseline, 5_000, "the idle tenant's connections to close");
    expect((await queue.stats()).workers).toBe(0);

    // Served again when it has a job again.
    const again = await enqueue(queue, "tenant-7", "req-2");
    expect(await finished(queue, again.id, "tenant-7")).toBe("succeeded");
  });

  it("a second gateway on the same Redis opens no connection for tenants it does not have", async () => {
    const first = openQueue();
    const held = new FakeRunner();
    const lease = await held.hold("acme");
    first.startWorkers({ runner: held, tenants: () => ["acme"] });
    for (let n = 0; n < 5; n++) await enqueue(first, "acme", `req-${n}`);
    expect(await first.depth("acme")).toBe(5);
    const before = await settledClients();

    const second = openQueue();
    second.startWorkers({ runner: new FakeRunner(), tenants: () => ["globex", "initech"] });
    expect(await settledClients()).toBe(before);
    await lease?.release();
  });
});

describe("the Redis queue's order", () => {
  it("runs a tenant's jobs in the order they were queued across a worker's crash (kill -9)", async () => {
    const queue = openQueue();
    const ids: string[] = [];
    for (const requestId of ["req-1", "req-2", "req-3"]) ids.push((await enqueue(queue, "acme", requestId)).id);

    const script = fileURLToPath(new URL("./support/hanging-worker.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, redis.url, prefix, "acme"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      await waitFor(() => output.includes("running req-1"), 10_000, "the child to start the first job");
    } finally {
      child.kill("SIGKILL");
    }
    await once(child, "exit");

    const runner = new FakeRunner();
    queue.startWorkers({ runner, tenants: () => ["acme"] });
    for (const id of ids) expect(await finished(queue, id, "acme")).toBe("succeeded");
    expect(runner.runs.map((run) => run.requestId)).toEqual(["req-1", "req-2", "req-3"]);
  });
});
