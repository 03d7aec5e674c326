import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import BeeQueue from "bee-queue";
import { describe, expect, it } from "vitest";
import { MemoryLimiter } from "../../src/limits/memory-limiter.js";
import type { JobPayload, JobRecord, OverflowQueue } from "../../src/queue/types.js";
import { Telemetry } from "../../src/telemetry/events.js";
import { DEFAULTS } from "../support/config-defaults.js";
import { chatRequest } from "./support/completion.js";
import { FakeRunner } from "./support/fake-runner.js";
import { DEFAULT_MAX_DEPTH, recordQueueEvents, useQueueHarness } from "./support/queue-harness.js";
import { REDIS_URL } from "./support/redis.js";
import { waitFor } from "./support/wait-for.js";

const harness = useQueueHarness();

function finished(queue: OverflowQueue, id: string, tenant: string, timeoutMs = 5_000): Promise<JobRecord> {
  return waitFor(
    async () => {
      const job = await queue.get(id, tenant);
      return job && job.status !== "queued" && job.status !== "running" ? job : undefined;
    },
    timeoutMs,
    `job ${id} to finish`,
  );
}

describe("Redis overflow queue across replicas", () => {
  it("shares the jobs between replicas, and each job runs exactly once", async () => {
    const limiter = new MemoryLimiter(() => DEFAULTS.lease); // stands in for the shared RedisLimiter
    const tenants = ["tenant-a", "tenant-b"];
    const replicas = [
      new FakeRunner({ limiter, maxConcurrency: 2, runMs: 15 }),
      new FakeRunner({ limiter, maxConcurrency: 2, runMs: 15 }),
    ];
    const queues = await Promise.all(
      replicas.map(async () => harness.open("redis", { redis: await harness.connection() })),
    );
    queues.forEach((queue, n) => {
      queue.startWorkers({ runner: replicas[n] ?? new FakeRunner(), tenants: () => tenants });
    });

    const jobs: { id: string; tenant: string; requestId: string }[] = [];
    for (let n = 0; n < 24; n++) {
      const tenant = tenants[n % 2] ?? "";
      const requestId = `req-${n}`;
      const { id } = await (queues[n % 2] as OverflowQueue).enqueue({
        tenant,
        requestId,
        request: chatRequest(requestId),
        maxDepth: DEFAULT_MAX_DEPTH,
      });
      jobs.push({ id, tenant, requestId });
    }
    for (const job of jobs)
      expect((await finished(queues[0] as OverflowQueue, job.id, job.tenant)).status).toBe("succeeded");

    const runs = replicas.flatMap((runner) => runner.runs.map((run) => run.requestId)).sort();
    expect(runs).toEqual(jobs.map((job) => job.requestId).sort());
    expect(replicas.every((runner) => runner.runs.length > 0)).toBe(true);
    await limiter.close();
  });

  it("hands the jobs of a replica that shuts down to another at once, not after stall detection", async () => {
    const stallIntervalMs = 10_000;
    const limiter = new MemoryLimiter(() => DEFAULTS.lease);
    const leaving = harness.open("redis", { stallIntervalMs, redis: await harness.connection() });
    const staying = harness.open("redis", { stallIntervalMs, redis: await harness.connection() });
    const blocked = new FakeRunner({ limiter });
    const held = await blocked.hold("acme");
    leaving.startWorkers({ runner: blocked, tenants: () => ["acme"] });
    const { id } = await staying.enqueue({
      tenant: "acme",
      requestId: "req-handed",
      request: chatRequest("hi"),
      maxDepth: DEFAULT_MAX_DEPTH,
    });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the leaving replica has taken it and waits for a slot

    await leaving.close();
    await held?.release();
    const runner = new FakeRunner({ limiter });
    const before = Date.now();
    staying.startWorkers({ runner, tenants: () => ["acme"] });

    expect((await finished(staying, id, "acme", 3_000)).status).toBe("succeeded");
    expect(Date.now() - before).toBeLessThan(2_000);
    expect(blocked.runs).toHaveLength(0);
    expect(runner.runs).toHaveLength(1);
    await limiter.close();
  });

  it("completes exactly once the job of a worker process killed mid-run (stall detection)", async () => {
    const telemetry = new Telemetry();
    const events = recordQueueEvents(telemetry);
    const queue = harness.open("redis", { telemetry });
    const { id } = await queue.enqueue({
      tenant: "acme",
      requestId: "req-crash",
      request: chatRequest("hi"),
      maxDepth: DEFAULT_MAX_DEPTH,
    });

    const script = fileURLToPath(new URL("./support/hanging-worker.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, REDIS_URL, harness.prefix(), "acme"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      await waitFor(() => output.includes("running req-crash"), 10_000, "the child to start the job");
      expect((await queue.get(id, "acme"))?.status).toBe("running");
    } finally {
      child.kill("SIGKILL");
    }
    await once(child, "exit");

    const runner = new FakeRunner();
    queue.startWorkers({ runner, tenants: () => ["acme"] });
    const job = await finished(queue, id, "acme", 8_000);

    expect(job.status).toBe("succeeded");
    expect(runner.runs).toHaveLength(1);
    expect(events.filter((e) => e.jobId === id).map((e) => [e.outcome, e.attempt])).toEqual([
      ["queued", undefined],
      ["recovered", 1],
      ["started", 2],
      ["succeeded", 2],
    ]);
  });

  it("treats a re-delivery of a job that already succeeded as a no-op", async () => {
    const queue = harness.open("redis");
    const runner = new FakeRunner();
    queue.startWorkers({ runner, tenants: () => ["acme"] });
    const { id } = await queue.enqueue({
      tenant: "acme",
      requestId: "req-once",
      request: chatRequest("hi"),
      maxDepth: DEFAULT_MAX_DEPTH,
    });
    const first = await finished(queue, id, "acme");

    // What stall detection does to a job whose worker died after finishing it but before telling bee-queue.
    const bee = new BeeQueue<JobPayload>(harness.keys().bee.queue("acme"), {
      prefix: harness.keys().bee.prefix,
      redis: { url: REDIS_URL },
      isWorker: false,
      getEvents: false,
      sendEvents: false,
    });
    await bee
      .createJob({ tenant: "acme", requestId: "req-once", request: chatRequest("hi"), maxDepth: DEFAULT_MAX_DEPTH })
      .setId(id)
      .save();
    await waitFor(
      async () => (await harness.redis().llen(harness.keys().bee.key("acme", "waiting"))) === 0,
      5_000,
      "the re-delivered job to be taken",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await bee.close();

    expect(runner.runs).toHaveLength(1);
    expect(await queue.get(id, "acme")).toEqual(first);
  });
});
