import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRunestoneClient } from "runestone/client";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { useTestGateway } from "../support/test-gateway.js";
import { holdSlot as holdTenantSlot } from "../support/hold-slot.js";

const WEBHOOK_SECRET = `whsec_${Buffer.from("runestone-test-webhook-secret-32b").toString("base64")}`;

interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback, as a tenant would run one. */
async function startReceiver(): Promise<{ url: string; received: ReceivedWebhook[]; close(): Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.each([
  ["memory", {}],
  ["redis", { REDIS_URL: "redis://127.0.0.1:6379" }],
])("per-tenant limits and the overflow queue (%s)", (_backend, env) => {
  const tg = useTestGateway({
    env,
    config: {
      redis_key_prefix: `runestone-test:${randomUUID()}:`,
      queue: { max_wait_ms: 1500 },
      webhooks: { allow_loopback: true, base_delay_ms: 50 },
      tenants: {
        acme: { max_concurrency: 2, overflow: "queue", webhook_secret: WEBHOOK_SECRET },
        strict: { max_concurrency: 1, overflow: "reject" },
        shallow: { max_concurrency: 1, max_queue_depth: 1, overflow: "queue" },
        fair_a: { max_concurrency: 1, overflow: "queue" },
        fair_b: { max_concurrency: 1, overflow: "queue" },
        metered: { max_concurrency: 5, requests_per_minute: 2, overflow: "reject" },
        tokens: { max_concurrency: 5, tokens_per_minute: 100, overflow: "reject" },
      },
    },
  });
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  const inFlight = (tenant: string) => tg.gateway.runtime.limiter.inFlight(tenant);
  const chat = (tenant: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    tg.post(
      "/v1/chat/completions",
      {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: `hello from ${tenant}` }],
        tenant_id: tenant,
        ...extra,
      },
      headers,
    );

  const holdSlot = (tenant: string) => holdTenantSlot(tg, tenant);

  /** The typed client (generated from the spec), through the contract-checking fetch. */
  const runestone = () => createRunestoneClient({ baseUrl: tg.url, fetch: tg.fetch });
  const jobParams = (id: string, tenant: string) => ({
    params: { path: { job_id: id }, query: { tenant_id: tenant } },
  });

  async function job(id: string, tenant: string) {
    const { data, error, response } = await runestone().GET("/v1/jobs/{job_id}", jobParams(id, tenant));
    return { status: response.status, body: data, error: error?.error };
  }

  async function cancel(id: string, tenant: string) {
    const { data, error, response } = await runestone().DELETE("/v1/jobs/{job_id}", jobParams(id, tenant));
    return { status: response.status, body: data, error: error?.error };
  }

  it("queues the request over the limit (202, Location, job) and runs it when a slot frees", async () => {
    const releaseFirst = await holdSlot("acme");
    const releaseSecond = await holdSlot("acme");
    expect(await inFlight("acme")).toBe(2);

    const queued = await chat("acme", { stream: true, callback_url: receiver.url });
    expect(queued.status).toBe(202);
    expect(queued.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    const body = (await queued.json()) as { job_id: string; request_id: string; estimated_wait_time: number };
    expect(queued.headers.get("location")).toBe(`/v1/jobs/${body.job_id}`);
    expect(body.estimated_wait_time).toBeGreaterThan(0);
    expect((await job(body.job_id, "acme")).body).toMatchObject({
      status: "queued",
      request_id: body.request_id,
      started_at: null,
    });

    releaseFirst();
    await vi.waitFor(async () => expect((await job(body.job_id, "acme")).body?.status).toBe("succeeded"), {
      timeout: 5000,
      interval: 50,
    });
    const done = (await job(body.job_id, "acme")).body!;
    // A queued stream runs non-streaming and stores the chat.completion.
    expect(done.operation).toBe("chat");
    const result = done.result;
    if (result === undefined || !("choices" in result)) throw new Error("expected a chat.completion");
    expect(result.object).toBe("chat.completion");
    expect(result.choices[0]?.message.content).toBe("echo: hello from acme");
    expect(done.created_at).toBeLessThanOrEqual(done.started_at!);
    expect(done.started_at).toBeLessThanOrEqual(done.finished_at!);

    // The finished job reaches the callback URL, signed the Standard Webhooks way.
    await vi.waitFor(() => expect(receiver.received.length).toBeGreaterThanOrEqual(1), { timeout: 5000, interval: 50 });
    const delivery = receiver.received.find((r) => JSON.parse(r.body).id === body.job_id);
    expect(delivery).toBeDefined();
    const verified = new Webhook(WEBHOOK_SECRET).verify(
      delivery!.body,
      delivery!.headers as Record<string, string>,
    ) as { id: string; status: string };
    expect(verified).toMatchObject({ id: body.job_id, status: "succeeded" });
    expect(() =>
      new Webhook(`whsec_${Buffer.from("another-secret-another-secret-32").toString("base64")}`).verify(
        delivery!.body,
        delivery!.headers as Record<string, string>,
      ),
    ).toThrow();

    releaseSecond();
    await vi.waitFor(async () => expect(await inFlight("acme")).toBe(0), { timeout: 3000, interval: 20 });
  });

  it("rejects with 429, Retry-After, rate-limit headers in reject mode; x-runestone-overflow per request", async () => {
    const release = await holdSlot("strict");
    const rejected = await chat("strict");
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(rejected.headers.get("x-ratelimit-limit-requests")).toBe("1");
    expect(await rejected.json()).toMatchObject({ error: { type: "rate_limit_error", code: "rate_limit_exceeded" } });
    const streamRejected = await tg.post("/v1/chat/stream", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
      tenant_id: "strict",
    });
    expect(streamRejected.status).toBe(429);
    await streamRejected.text();
    const streamQueued = await tg.post(
      "/v1/chat/stream",
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], tenant_id: "strict" },
      { "x-runestone-overflow": "queue" },
    );
    expect(streamQueued.status).toBe(202);
    const { job_id: streamJob } = (await streamQueued.json()) as { job_id: string };

    const queuedAnyway = await chat("strict", {}, { "x-runestone-overflow": "queue" });
    expect(queuedAnyway.status).toBe(202);
    const { job_id: id } = (await queuedAnyway.json()) as { job_id: string };
    release();
    await vi.waitFor(async () => expect((await job(id, "strict")).body?.status).toBe("succeeded"), {
      timeout: 5000,
      interval: 50,
    });
    await vi.waitFor(async () => expect((await job(streamJob, "strict")).body?.status).toBe("succeeded"), {
      timeout: 5000,
      interval: 50,
    });

    const releaseAcme1 = await holdSlot("acme");
    const releaseAcme2 = await holdSlot("acme");
    const rejectedByChoice = await chat("acme", {}, { "x-runestone-overflow": "reject" });
    expect(rejectedByChoice.status).toBe(429);
    await rejectedByChoice.text();
    releaseAcme1();
    releaseAcme2();
    await vi.waitFor(async () => expect(await inFlight("acme")).toBe(0), { timeout: 3000, interval: 20 });
  });

  it("gives every slot back: after completion, upstream errors and client aborts", async () => {
    const ok = await chat("strict");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    await ok.text();
    expect(await inFlight("strict")).toBe(0);

    tg.fake.once("openai", { kind: "error", status: 400 });
    const failed = await chat("strict");
    expect(failed.status).toBe(400);
    await failed.text();
    expect(await inFlight("strict")).toBe(0);

    const release = await holdSlot("strict");
    expect(await inFlight("strict")).toBe(1);
    release();
    await vi.waitFor(async () => expect(await inFlight("strict")).toBe(0), { timeout: 3000, interval: 20 });

    tg.fake.once("openai", { kind: "hang" });
    const controller = new AbortController();
    const pending = fetch(`${tg.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], tenant_id: "strict" }),
      signal: controller.signal,
    }).catch(() => undefined);
    await vi.waitFor(async () => expect(await inFlight("strict")).toBe(1), { timeout: 3000, interval: 20 });
    controller.abort();
    await pending;
    await vi.waitFor(async () => expect(await inFlight("strict")).toBe(0), { timeout: 3000, interval: 20 });
  });

  it("cancels a queued job; a started one cannot be (409); another tenant's job is 404", async () => {
    const release = await holdSlot("strict");
    const queued = await chat("strict", {}, { "x-runestone-overflow": "queue" });
    const { job_id: id } = (await queued.json()) as { job_id: string };
    const cancelled = await cancel(id, "strict");
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id, status: "cancelled" });
    const again = await cancel(id, "strict");
    expect(again.status).toBe(409);
    expect(again.error).toMatchObject({ code: "job_not_cancellable", param: "job_id" });
    expect(await job(id, "acme")).toMatchObject({
      status: 404,
      error: { type: "not_found_error", code: "job_not_found" },
    });
    expect((await cancel(id, "acme")).status).toBe(404);
    expect((await job("job_does_not_exist", "strict")).status).toBe(404);
    release();
    await vi.waitFor(async () => expect(await inFlight("strict")).toBe(0), { timeout: 3000, interval: 20 });
    expect((await job(id, "strict")).body?.status).toBe("cancelled");
  });

  it("keeps queued jobs' place: while the tenant has a backlog, a new request queues behind it", async () => {
    const release = await holdSlot("fair_a");
    const first = await chat("fair_a");
    expect(first.status).toBe(202);
    const { job_id: firstJob } = (await first.json()) as { job_id: string };
    release();
    // The slot is free now, but the queued job was first: the newcomer goes behind it instead of taking the slot.
    const newcomer = await chat("fair_a");
    expect(newcomer.status).toBe(202);
    const { job_id: secondJob } = (await newcomer.json()) as { job_id: string };
    await vi.waitFor(async () => expect((await job(secondJob, "fair_a")).body?.status).toBe("succeeded"), {
      timeout: 5000,
      interval: 50,
    });
    const [a, b] = await Promise.all([job(firstJob, "fair_a"), job(secondJob, "fair_a")]);
    expect(a.body?.status).toBe("succeeded");
    expect(a.body?.started_at ?? Infinity).toBeLessThanOrEqual(b.body?.started_at ?? 0);
    // With the backlog gone, requests are served directly again.
    const direct = await chat("fair_a");
    expect(direct.status).toBe(200);
    await direct.text();
  });

  it("answers 429 queue_full when the tenant's queue is at its depth", async () => {
    const release = await holdSlot("shallow");
    const first = await chat("shallow");
    expect(first.status).toBe(202);
    const { job_id: id } = (await first.json()) as { job_id: string };
    const full = await chat("shallow");
    expect(full.status).toBe(429);
    // About when a place frees up: the tenant's measured service time per slot, at least a second.
    expect(full.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(await full.json()).toMatchObject({ error: { type: "rate_limit_error", code: "queue_full" } });
    release();
    await vi.waitFor(async () => expect((await job(id, "shallow")).body?.status).toBe("succeeded"), {
      timeout: 5000,
      interval: 50,
    });
  });

  it("expires a job that waited longer than queue.max_wait_ms", async () => {
    const release = await holdSlot("shallow");
    const queued = await chat("shallow");
    const { job_id: id } = (await queued.json()) as { job_id: string };
    await vi.waitFor(
      async () =>
        expect((await job(id, "shallow")).body).toMatchObject({ status: "expired", error: { code: "job_expired" } }),
      { timeout: 4000, interval: 100 },
    );
    release();
    await vi.waitFor(async () => expect(await inFlight("shallow")).toBe(0), { timeout: 3000, interval: 20 });
  });

  it("serves tenants fairly: one tenant's backlog does not hold up another's job", async () => {
    const releaseA = await holdSlot("fair_a");
    const releaseB = await holdSlot("fair_b");
    const backlog: string[] = [];
    for (let i = 0; i < 5; i++) backlog.push(((await (await chat("fair_a")).json()) as { job_id: string }).job_id);
    const bJob = ((await (await chat("fair_b")).json()) as { job_id: string }).job_id;
    releaseB();
    await vi.waitFor(async () => expect((await job(bJob, "fair_b")).body?.status).toBe("succeeded"), {
      timeout: 5000,
      interval: 50,
    });
    for (const id of backlog) expect((await job(id, "fair_a")).body?.status).toBe("queued");
    releaseA();
    await vi.waitFor(async () => expect((await job(backlog.at(-1)!, "fair_a")).body?.status).toBe("succeeded"), {
      timeout: 8000,
      interval: 50,
    });
    const finished = await Promise.all(
      backlog.map(async (id) => (await job(id, "fair_a")).body?.finished_at as number),
    );
    expect(finished).toEqual([...finished].sort((x, y) => x - y));
  });

  it("enforces requests per minute and tokens per minute, with OpenAI's headers", async () => {
    for (let i = 0; i < 2; i++) {
      const ok = await chat("metered");
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-ratelimit-limit-requests")).toBe("2");
      await ok.text();
    }
    const over = await chat("metered");
    expect(over.status).toBe(429);
    expect(over.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(over.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(ms|s|m\d+s)$/);
    await over.text();

    // Tokens are reserved at admission (estimated prompt + max tokens, else 4096) and reconciled with the real
    // usage at the end: the first request reserves far more than 100 (allowed, as the budget is untouched), uses
    // about 20; only because the rest is given back can the second one start.
    const first = await chat("tokens");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("100");
    await first.text();
    const second = await chat("tokens", { max_tokens: 20 });
    expect(second.status).toBe(200);
    await second.text();
    const tooBig = await chat("tokens", { max_tokens: 200 });
    expect(tooBig.status).toBe(429);
    expect(tooBig.headers.get("x-ratelimit-remaining-tokens")).toMatch(/^\d+$/);
    expect(await tooBig.json()).toMatchObject({
      error: { code: "rate_limit_exceeded", message: expect.stringContaining("tokens per minute") },
    });
  });

  it("refuses a callback URL on a link-local address (cloud metadata)", async () => {
    const release = await holdSlot("strict");
    const refused = await chat(
      "strict",
      { callback_url: "http://169.254.169.254/latest/meta-data" },
      { "x-runestone-overflow": "queue" },
    );
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { param: "callback_url" } });
    release();
    await vi.waitFor(async () => expect(await inFlight("strict")).toBe(0), { timeout: 3000, interval: 20 });
  });
});
