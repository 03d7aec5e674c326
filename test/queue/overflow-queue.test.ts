import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import type { Lease } from "../../src/limits/types.js";
import { QueueFullError } from "../../src/queue/job-errors.js";
import { toJobBody } from "../../src/queue/job-view.js";
import type { EnqueueOptions, JobRecord, OverflowQueue, WorkerSetup } from "../../src/queue/types.js";
import { Telemetry } from "../../src/telemetry/events.js";
import { WebhookSender } from "../../src/webhooks/webhook-sender.js";
import { newWebhookSecret, WebhookReceiver } from "../webhooks/support/webhook-receiver.js";
import { chatRequest, completionFor } from "./support/completion.js";
import { DEFAULTS } from "../support/config-defaults.js";
import { FakeRunner } from "./support/fake-runner.js";
import { DEFAULT_MAX_DEPTH, recordQueueEvents, useQueueHarness, type QueueKind } from "./support/queue-harness.js";
import { waitFor } from "./support/wait-for.js";

const harness = useQueueHarness();
const receivers: WebhookReceiver[] = [];
const heldLeases: Lease[] = [];
afterEach(async () => {
  await Promise.all(heldLeases.splice(0).map((lease) => lease.release()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

function workers(runner: FakeRunner, extra: Partial<WorkerSetup> = {}): WorkerSetup {
  return { runner, tenants: () => ["acme"], ...extra };
}

async function holdSlot(runner: FakeRunner, tenant: string): Promise<Lease> {
  const lease = await runner.hold(tenant);
  if (!lease) throw new Error(`no free slot for ${tenant}`);
  heldLeases.push(lease);
  return lease;
}

function finished(queue: OverflowQueue, id: string, tenant = "acme", timeoutMs = 5_000): Promise<JobRecord> {
  return waitFor(
    async () => {
      const job = await queue.get(id, tenant);
      return job && job.status !== "queued" && job.status !== "running" ? job : undefined;
    },
    timeoutMs,
    `job ${id} to finish`,
  );
}

function enqueue(queue: OverflowQueue, requestId: string, tenant = "acme", extra: Partial<EnqueueOptions> = {}) {
  return queue.enqueue({
    tenant,
    requestId,
    request: chatRequest(`question ${requestId}`),
    maxDepth: DEFAULT_MAX_DEPTH,
    ...extra,
  });
}

async function webhookSetup(respond?: (n: number) => number) {
  const secret = newWebhookSecret();
  const receiver = await WebhookReceiver.start(secret, respond);
  receivers.push(receiver);
  const sender = new WebhookSender(new Telemetry(), () => ({
    ...DEFAULTS.webhooks,
    allowLoopback: true,
    baseDelayMs: 10,
    maxDelayMs: 50,
  }));
  return { secret, receiver, sender };
}

describe.each<QueueKind>(["memory", "redis"])("%s overflow queue", (kind) => {
  it(`is a ${kind} queue`, () => {
    expect(harness.open(kind).kind).toBe(kind);
  });

  it("keeps a job queued until a worker with a free slot runs it, then stores the result", async () => {
    const queue = harness.open(kind);
    const runner = new FakeRunner();

    const enqueued = await enqueue(queue, "req-1");
    expect(enqueued).toMatchObject({ id: expect.stringMatching(/^job_/), position: 1, estimatedWaitSeconds: 5 });
    expect(await queue.get(enqueued.id, "acme")).toMatchObject({
      status: "queued",
      request_id: "req-1",
      started_at: null,
      finished_at: null,
      result: null,
      error: null,
    });

    queue.startWorkers(workers(runner));
    const job = await finished(queue, enqueued.id);

    expect(job).toMatchObject({
      id: enqueued.id,
      status: "succeeded",
      request_id: "req-1",
      result: completionFor("req-1"),
      error: null,
    });
    expect(job.started_at).not.toBeNull();
    expect(job.created_at).toBeLessThanOrEqual(job.started_at ?? -1);
    expect(job.started_at).toBeLessThanOrEqual(job.finished_at ?? -1);
    expect(runner.runs).toHaveLength(1);
    expect(await queue.depth("acme")).toBe(0);
  });

  it("runs a queued streaming request non-streaming", async () => {
    const queue = harness.open(kind);
    const runner = new FakeRunner();
    const { id } = await queue.enqueue({
      tenant: "acme",
      requestId: "req-s",
      request: chatRequest("stream me", { stream: true, stream_options: { include_usage: true } }),
      maxDepth: DEFAULT_MAX_DEPTH,
    });
    queue.startWorkers(workers(runner));
    expect((await finished(queue, id)).status).toBe("succeeded");
    expect(runner.runs[0]?.stream).toBeUndefined();
  });

  it("waits while the tenant has no free slot and runs right after a lease is released", async () => {
    const queue = harness.open(kind);
    const runner = new FakeRunner();
    const lease = await holdSlot(runner, "acme");
    const { id } = await enqueue(queue, "req-wait");
    queue.startWorkers(workers(runner));

    await sleep(150);
    expect((await queue.get(id, "acme"))?.status).toBe("queued");
    expect(runner.runs).toHaveLength(0);

    const releasedAt = Date.now();
    await lease.release();
    expect((await finished(queue, id)).status).toBe("succeeded");
    expect((runner.runs[0]?.startedAt ?? Infinity) - releasedAt).toBeLessThan(300);
  });

  it("answers position and estimated wait from the jobs ahead and the tenant's concurrency", async () => {
    const queue = harness.open(kind);
    const positions = [];
    for (const n of [1, 2, 3]) positions.push(await enqueue(queue, `req-${n}`, "acme", { maxConcurrency: 2 }));
    // (ahead + 1) × 5 s (the seed mean) / 2 slots
    expect(positions.map((p) => [p.position, p.estimatedWaitSeconds])).toEqual([
      [1, 3],
      [2, 5],
      [3, 8],
    ]);
  });

  it("cancels a queued job, which then never runs; running or finished jobs are not cancellable", async () => {
    const queue = harness.open(kind);
    let releaseRun = () => {};
    const runner = new FakeRunner({
      maxConcurrency: 1,
      behaviour: async (job) => {
        if (job.requestId === "req-running") await new Promise<void>((resolve) => (releaseRun = resolve));
        return completionFor(job.requestId);
      },
    });
    const running = await enqueue(queue, "req-running");
    const queued = await enqueue(queue, "req-cancel");
    queue.startWorkers(workers(runner));
    await waitFor(() => runner.runs.length === 1, 5_000, "the first job to run");

    expect(await queue.cancel(queued.id, "acme")).toBe("cancelled");
    expect(await queue.get(queued.id, "acme")).toMatchObject({ status: "cancelled", finished_at: expect.any(Number) });
    expect(await queue.cancel(queued.id, "acme")).toBe("not_cancellable");
    expect(await queue.cancel(running.id, "acme")).toBe("not_cancellable");
    expect(await queue.depth("acme")).toBe(0);

    releaseRun();
    expect((await finished(queue, running.id)).status).toBe("succeeded");
    expect(await queue.cancel(running.id, "acme")).toBe("not_cancellable");
    await sleep(100);
    expect(runner.runs.map((r) => r.requestId)).toEqual(["req-running"]);
  });

  it("shows a tenant only its own jobs", async () => {
    const queue = harness.open(kind);
    const { id } = await enqueue(queue, "req-mine", "acme");
    expect(await queue.get(id, "globex")).toBeUndefined();
    expect(await queue.cancel(id, "globex")).toBe("not_found");
    expect(await queue.get("job_does_not_exist", "acme")).toBeUndefined();
    expect(await queue.cancel("job_does_not_exist", "acme")).toBe("not_found");
    expect((await queue.get(id, "acme"))?.status).toBe("queued");
  });

  it("refuses a job beyond the tenant's depth bound with a QueueFullError (429)", async () => {
    const queue = harness.open(kind);
    const ids = [];
    const bound = { maxDepth: 3 };
    for (const n of [1, 2, 3]) ids.push((await enqueue(queue, `req-${n}`, "acme", bound)).id);

    const refusal = await enqueue(queue, "req-4", "acme", bound).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(QueueFullError);
    expect(refusal).toMatchObject({ status: 429, type: "rate_limit_error", code: "queue_full" });

    await enqueue(queue, "req-other", "globex");
    expect(await queue.depth("acme")).toBe(3);
    expect(await queue.depth()).toBe(4);
    await queue.cancel(ids[0] ?? "", "acme");
    await expect(enqueue(queue, "req-5", "acme", bound)).resolves.toMatchObject({ position: 3 });
  });

  it("checks each job against the depth bound it comes with (the tenant's, as configured now)", async () => {
    const queue = harness.open(kind);
    await enqueue(queue, "req-1", "acme", { maxDepth: 1 });
    await expect(enqueue(queue, "req-2", "acme", { maxDepth: 1 })).rejects.toMatchObject({
      code: "queue_full",
      maxDepth: 1,
    });
    await expect(enqueue(queue, "req-3", "acme", { maxDepth: 5 })).resolves.toMatchObject({ position: 2 });
  });

  it("expires a job that found no slot within maxWaitMs, and sends its webhook", async () => {
    const { secret, receiver, sender } = await webhookSetup();
    const queue = harness.open(kind, { settings: { maxWaitMs: 200 } });
    const runner = new FakeRunner();
    await holdSlot(runner, "acme");
    const { id } = await enqueue(queue, "req-expire", "acme", { callbackUrl: receiver.url() });
    queue.startWorkers(workers(runner, { webhooks: { sender, forTenant: () => ({ secret }) } }));

    const job = await finished(queue, id);
    expect(job).toMatchObject({
      status: "expired",
      started_at: null,
      result: null,
      error: { type: "rate_limit_error", code: "job_expired" },
    });
    expect(await queue.cancel(id, "acme")).toBe("not_cancellable");
    expect(runner.runs).toHaveLength(0);
    await waitFor(() => receiver.received.length === 1, 5_000, "the webhook");
    expect(receiver.received[0]?.verified).toEqual({ ok: true, payload: toJobBody(job) });
  });

  it("applies edited settings to the jobs queued and the attempts started after the edit", async () => {
    let settings = { ...DEFAULTS.queue };
    const queue = harness.open(kind, { settings: () => settings });
    const runner = new FakeRunner({ behaviour: () => new Promise(() => {}) }); // never answers
    const lease = await holdSlot(runner, "acme");
    const before = await enqueue(queue, "req-before");
    settings = { ...settings, maxWaitMs: 100, jobTimeoutMs: 100, maxAttempts: 1 };
    const after = await enqueue(queue, "req-after");
    queue.startWorkers(workers(runner));

    expect((await finished(queue, after.id)).status).toBe("expired"); // its deadline: 100 ms after queueing
    expect((await queue.get(before.id, "acme"))?.status).toBe("queued"); // its deadline was set by the default
    await lease.release();
    expect(await finished(queue, before.id)).toMatchObject({ status: "failed", error: { code: "job_timeout" } });
    expect(runner.runsOf("req-before")).toHaveLength(1); // one attempt of 100 ms: both edits apply to it
  });

  it("reads a job still queued past its deadline as expired, even with no worker running", async () => {
    const queue = harness.open(kind, { settings: { maxWaitMs: 100 } });
    const { id } = await enqueue(queue, "req-late");
    await sleep(150);
    expect(await queue.get(id, "acme")).toMatchObject({
      status: "expired",
      finished_at: expect.any(Number),
      error: { code: "job_expired" },
    });
    expect(await queue.depth("acme")).toBe(0);
    expect(await queue.cancel(id, "acme")).toBe("not_cancellable");
  });

  it("serves tenants fairly: a tenant with a long backlog does not hold up another's jobs", async () => {
    const queue = harness.open(kind);
    const runner = new FakeRunner({ maxConcurrency: 1, runMs: 20 });
    const busy = [];
    for (let n = 0; n < 20; n++) busy.push((await enqueue(queue, `a-${n}`, "tenant-a")).id);
    const light = [(await enqueue(queue, "b-0", "tenant-b")).id, (await enqueue(queue, "b-1", "tenant-b")).id];
    queue.startWorkers(workers(runner, { tenants: () => ["tenant-a", "tenant-b"] }));

    for (const id of light) expect((await finished(queue, id, "tenant-b")).status).toBe("succeeded");
    await finished(queue, busy.at(-1) ?? "", "tenant-a", 10_000);

    const finishedAt = (requestId: string) => runner.runsOf(requestId)[0]?.finishedAt ?? Infinity;
    const lastOfB = Math.max(finishedAt("b-0"), finishedAt("b-1"));
    expect(lastOfB).toBeLessThan(finishedAt("a-9"));
    // Tenant A never had more than its one slot.
    const runsOfA = runner.runs.filter((r) => r.tenant === "tenant-a");
    for (let n = 1; n < runsOfA.length; n++)
      expect(runsOfA[n]?.startedAt).toBeGreaterThanOrEqual(runsOfA[n - 1]?.finishedAt ?? Infinity);
    expect(runsOfA.map((r) => r.requestId)).toEqual(busy.map((_, n) => `a-${n}`));
  });

  it("retries a retryable provider failure, then succeeds", async () => {
    const telemetry = new Telemetry();
    const events = recordQueueEvents(telemetry);
    const queue = harness.open(kind, { telemetry });
    const runner = new FakeRunner({
      behaviour: async (job, run) => {
        if (run === 1) throw new GatewayError("upstream_unavailable", "overloaded");
        return completionFor(job.requestId);
      },
    });
    const { id } = await enqueue(queue, "req-retry");
    queue.startWorkers(workers(runner));

    expect(await finished(queue, id)).toMatchObject({
      status: "succeeded",
      error: null,
      result: completionFor("req-retry"),
    });
    expect(runner.runsOf("req-retry")).toHaveLength(2);
    expect(events.filter((e) => e.jobId === id).map((e) => e.outcome)).toEqual([
      "queued",
      "started",
      "retrying",
      "started",
      "succeeded",
    ]);
  });

  it("fails at once on a non-retryable failure, with the error", async () => {
    const queue = harness.open(kind);
    const runner = new FakeRunner({
      behaviour: async () => {
        throw new GatewayError("upstream_invalid_request", "too long", { param: "messages" });
      },
    });
    const { id } = await enqueue(queue, "req-bad");
    queue.startWorkers(workers(runner));

    expect(await finished(queue, id)).toMatchObject({
      status: "failed",
      result: null,
      error: {
        message: "too long",
        type: "invalid_request_error",
        code: "upstream_invalid_request",
        param: "messages",
      },
    });
    expect(runner.runs).toHaveLength(1);
  });

  it("gives up after maxAttempts; an attempt that overruns jobTimeoutMs is aborted and counts as one", async () => {
    const queue = harness.open(kind, { settings: { maxAttempts: 2, jobTimeoutMs: 100 } });
    const signals: AbortSignal[] = [];
    const runner = new FakeRunner({
      behaviour: (_job, _run, signal) => {
        signals.push(signal);
        return new Promise(() => {}); // never answers
      },
    });
    const { id } = await enqueue(queue, "req-slow");
    queue.startWorkers(workers(runner));

    expect(await finished(queue, id)).toMatchObject({
      status: "failed",
      error: { type: "service_error", code: "job_timeout" },
    });
    expect(runner.runs).toHaveLength(2);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    // The slot was given back each time.
    expect(await runner.limiter.inFlight("acme")).toBe(0);
  });

  it("sends a signed webhook the receiver verifies, to the tenant's default URL if the request had none", async () => {
    const { secret, receiver, sender } = await webhookSetup();
    const queue = harness.open(kind);
    const runner = new FakeRunner({
      behaviour: async (job) => {
        if (job.requestId === "req-fail") throw new GatewayError("upstream_invalid_request", "no");
        return completionFor(job.requestId);
      },
    });
    const explicit = await enqueue(queue, "req-ok", "acme", { callbackUrl: receiver.url("/explicit") });
    const byDefault = await enqueue(queue, "req-fail", "acme");
    queue.startWorkers(
      workers(runner, { webhooks: { sender, forTenant: () => ({ secret, defaultUrl: receiver.url("/default") }) } }),
    );

    const jobs = [await finished(queue, explicit.id), await finished(queue, byDefault.id)];
    await waitFor(() => receiver.received.length === 2, 5_000, "two webhooks");
    const byId = new Map(receiver.received.map((r) => [r.headers["webhook-id"], r]));
    for (const job of jobs) expect(byId.get(job.id)?.verified).toEqual({ ok: true, payload: toJobBody(job) });
    expect(jobs.map((j) => j.status)).toEqual(["succeeded", "failed"]);
  });

  it("retries a webhook the receiver answered with a 500", async () => {
    const { secret, receiver, sender } = await webhookSetup((n) => (n === 1 ? 500 : 204));
    const queue = harness.open(kind);
    const { id } = await enqueue(queue, "req-hook", "acme", { callbackUrl: receiver.url() });
    queue.startWorkers(workers(new FakeRunner(), { webhooks: { sender, forTenant: () => ({ secret }) } }));

    const job = await finished(queue, id);
    await waitFor(() => receiver.received.length === 2, 5_000, "the webhook's retry");
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([id, id]);
    expect(receiver.received.map((r) => r.verified)).toEqual([
      { ok: true, payload: toJobBody(job) },
      { ok: true, payload: toJobBody(job) },
    ]);
  });

  it("refuses to deliver a webhook to a loopback URL unless allowed", async () => {
    const { secret, receiver } = await webhookSetup();
    const sender = new WebhookSender(new Telemetry(), () => ({ ...DEFAULTS.webhooks, baseDelayMs: 10 }));
    const queue = harness.open(kind);
    const { id } = await enqueue(queue, "req-hook", "acme", { callbackUrl: receiver.url() });
    queue.startWorkers(workers(new FakeRunner(), { webhooks: { sender, forTenant: () => ({ secret }) } }));
    expect((await finished(queue, id)).status).toBe("succeeded");
    await sleep(100);
    expect(receiver.received).toHaveLength(0);
  });

  it("on close, lets a running job finish and stops a job waiting for a slot without failing it", async () => {
    const queue = harness.open(kind, { pacing: { closeGraceMs: 2_000 } });
    const runner = new FakeRunner({ maxConcurrency: 1, runMs: 150 });
    const running = await enqueue(queue, "req-running");
    const waiting = await enqueue(queue, "req-waiting");
    queue.startWorkers(workers(runner));
    await waitFor(() => runner.runs.length === 1, 5_000, "the first job to start");

    await queue.close();

    expect(runner.runs.map((r) => r.requestId)).toEqual(["req-running"]);
    expect((await queue.get(running.id, "acme"))?.status).toBe("succeeded");
    expect((await queue.get(waiting.id, "acme"))?.status).toBe("queued");
  });

  it("reports its depth and workers", async () => {
    const queue = harness.open(kind);
    const runner = new FakeRunner({ maxConcurrency: 2 });
    await holdSlot(runner, "acme");
    await holdSlot(runner, "acme");
    await enqueue(queue, "req-1");
    await enqueue(queue, "req-2");
    queue.startWorkers(workers(runner, { tenants: () => ["acme", "globex"] }));
    // With Redis only a tenant with jobs is served (globex would cost connections for nothing); in memory, all.
    const expected = kind === "redis" ? 2 : 4;
    await waitFor(async () => (await queue.stats()).workers === expected, 5_000, "workers of the tenants served");
    expect(await queue.stats()).toEqual({ waiting: 2, running: 0, workers: expected, serving: true });
  });
});
