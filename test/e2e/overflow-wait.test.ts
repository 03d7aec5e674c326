import { randomUUID } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it, vi } from "vitest";
import { openaiDefaultAnswer } from "../fake-upstream/openai-default-answer.js";
import type { RecordedRequest, Scenario } from "../fake-upstream/scenario.js";
import { parsePrometheus, sampleValue } from "../support/prometheus-text.js";
import { parseSse } from "../support/sse.js";
import { useTestGateway } from "../support/test-gateway.js";
import { holdSlot as holdTenantSlot } from "../support/hold-slot.js";

/** The upstream's default answer, given after `ms`: long enough for concurrent requests to overlap. */
function slowAnswer(ms: number, which: (request: RecordedRequest) => boolean) {
  return (request: RecordedRequest): Scenario | undefined => {
    if (request.path !== "/v1/chat/completions" || !which(request)) return undefined;
    const answer = openaiDefaultAnswer(request.body);
    if (answer.kind === "sse") return { ...answer, delayBeforeHeadersMs: ms };
    if (answer.kind === "json") return { ...answer, delayMs: ms };
    throw new Error(`unexpected default answer: ${answer.kind}`);
  };
}

const promptOf = (request: RecordedRequest) =>
  JSON.stringify((request.body.messages as { content: unknown }[] | undefined)?.at(-1)?.content ?? "");

describe.each([
  ["memory", {}],
  ["redis", { REDIS_URL: "redis://127.0.0.1:6379" }],
])("overflow wait: a request over its tenant's limit waits on its connection (%s)", (_backend, env) => {
  const tg = useTestGateway({
    env,
    config: {
      redis_key_prefix: `runestone-test:${randomUUID()}:`,
      metrics: { loopback_without_token: true },
      // Open mode's tenant 'default', as a new user meets it: limit 10, overflow left at its default (wait).
      tenant_defaults: { max_concurrency: 10 },
      tenants: {
        solo: { max_concurrency: 1, max_wait_ms: 10_000 },
        brief: { max_concurrency: 1, max_wait_ms: 300, max_queue_depth: 1 },
        picky: { max_concurrency: 1, overflow: "reject" },
        measured: { max_concurrency: 1, overflow: "queue" },
      },
    },
  });

  const inFlight = (tenant: string) => tg.gateway.runtime.limiter.inFlight(tenant);
  const upstreamCalls = (marker: string) =>
    tg.fake.requests.filter((r) => r.path === "/v1/chat/completions" && promptOf(r).includes(marker)).length;
  const metrics = async () => parsePrometheus(await (await tg.fetch(`${tg.url}/metrics`)).text());
  const waitingInHealth = async (tenant: string) => {
    const report = (await (await tg.fetch(`${tg.url}/health`)).json()) as {
      components: { rate_limiter: { details: { waiting_by_tenant: Record<string, number> } } };
    };
    return report.components.rate_limiter.details.waiting_by_tenant[tenant] ?? 0;
  };
  const chat = (tenant: string, content: string, extra: Record<string, unknown> = {}, headers = {}) =>
    tg.post(
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: [{ role: "user", content }], tenant_id: tenant, ...extra },
      headers,
    );

  const holdSlot = (tenant: string) => holdTenantSlot(tg, tenant);

  it("the README's SDK flow at the default limit 10: 15 concurrent streams, 15 plain calls, all whole", async () => {
    const run = randomUUID().slice(0, 8);
    // Each answer takes a second, so that the fifteen requests of a round are all in flight at once, even on a busy
    // machine.
    tg.fake.use(slowAnswer(1_000, (r) => promptOf(r).includes(run)));
    const waitedBefore = sampleValue(await metrics(), "runestone_slot_wait_seconds_count", {
      tenant: "default",
      outcome: "admitted",
    });

    const streams = await Promise.all(
      Array.from({ length: 15 }, async (_, i) => {
        const stream = await tg.openai.chat.completions.create({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: `${run} stream ${i}` }],
          stream: true,
        });
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
        return text;
      }),
    );
    expect(streams).toEqual(Array.from({ length: 15 }, (_, i) => `echo: ${run} stream ${i}`));
    expect(upstreamCalls(`${run} stream`)).toBe(15);

    const plain = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        tg.openai.chat.completions.create({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: `${run} plain ${i}` }],
        }),
      ),
    );
    expect(plain.map((c) => c.choices[0]?.message.content)).toEqual(
      Array.from({ length: 15 }, (_, i) => `echo: ${run} plain ${i}`),
    );
    expect(upstreamCalls(`${run} plain`)).toBe(15);

    // Five of each fifteen were over the limit of 10 and waited for a slot instead of getting a 202.
    const waited = sampleValue(await metrics(), "runestone_slot_wait_seconds_count", {
      tenant: "default",
      outcome: "admitted",
    });
    expect(waited - waitedBefore).toBeGreaterThanOrEqual(10);
    await vi.waitFor(async () => expect(await inFlight("default")).toBe(0), { timeout: 3000, interval: 20 });
  });

  it("waits the same way on the Messages API (Anthropic SDK) and for embeddings", async () => {
    const run = randomUUID().slice(0, 8);
    tg.fake.use(slowAnswer(1_000, (r) => promptOf(r).includes(run)));
    const anthropic = new Anthropic({ baseURL: tg.url, apiKey: "unused", maxRetries: 0, fetch: tg.fetch });
    const admittedAfterWait = async () =>
      sampleValue(await metrics(), "runestone_slot_wait_seconds_count", { tenant: "default", outcome: "admitted" });
    const waitedBefore = await admittedAfterWait();
    const messages = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const message = await anthropic.messages.create({
          model: "gpt-4o-mini",
          max_tokens: 64,
          messages: [{ role: "user", content: `${run} message ${i}` }],
        });
        return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
      }),
    );
    expect(messages).toEqual(Array.from({ length: 12 }, (_, i) => `echo: ${run} message ${i}`));
    expect(upstreamCalls(`${run} message`)).toBe(12);
    // Two of the twelve were over the limit of 10.
    expect((await admittedAfterWait()) - waitedBefore).toBeGreaterThanOrEqual(2);

    const release = await holdSlot("solo");
    const embedding = tg.post("/v1/embeddings", { model: "text-embedding-3-small", input: "wait", tenant_id: "solo" });
    await vi.waitFor(async () => expect(await waitingInHealth("solo")).toBe(1), { timeout: 3000, interval: 20 });
    release();
    const embedded = await embedding;
    expect(embedded.status).toBe(200);
    expect(((await embedded.json()) as { data: unknown[] }).data).toHaveLength(1);
    await vi.waitFor(async () => expect(await inFlight("solo")).toBe(0), { timeout: 3000, interval: 20 });
  });

  it("serves waiting requests in arrival order, streamed or plain, as if there had been no queue", async () => {
    const release = await holdSlot("solo");
    const first = chat("solo", "first in line");
    await vi.waitFor(async () => expect(await waitingInHealth("solo")).toBe(1), { timeout: 3000, interval: 20 });
    const second = tg.post(
      "/v1/chat/stream",
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "second in line" }], tenant_id: "solo" },
      {},
    );
    await vi.waitFor(async () => expect(await waitingInHealth("solo")).toBe(2), { timeout: 3000, interval: 20 });
    expect(sampleValue(await metrics(), "runestone_waiting_requests", { tenant: "solo" })).toBe(2);
    expect(upstreamCalls("in line")).toBe(0);

    release();
    const [plain, streamed] = await Promise.all([first, second]);
    expect(plain.status).toBe(200);
    expect(((await plain.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe(
      "echo: first in line",
    );
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = parseSse(await streamed.text());
    expect(events.at(-1)?.data).toBe("[DONE]");
    const text = events
      .slice(0, -1)
      .map((e) => (JSON.parse(e.data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content)
      .join("");
    expect(text).toBe("echo: second in line");
    const order = tg.fake.requests.filter((r) => promptOf(r).includes("in line")).map(promptOf);
    expect(order).toEqual([JSON.stringify("first in line"), JSON.stringify("second in line")]);
    expect(sampleValue(await metrics(), "runestone_waiting_requests", { tenant: "solo" })).toBe(0);
    await vi.waitFor(async () => expect(await inFlight("solo")).toBe(0), { timeout: 3000, interval: 20 });
  });

  it("answers 429 rate_limit_exceeded with Retry-After past max_wait_ms, and sends nothing upstream", async () => {
    const release = await holdSlot("brief");
    const began = Date.now();
    const refused = await chat("brief", "too late");
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(await refused.json()).toMatchObject({
      error: { type: "rate_limit_error", code: "rate_limit_exceeded", message: expect.stringContaining("300 ms") },
    });
    expect(upstreamCalls("too late")).toBe(0);

    // The line is as long as the tenant's queue may be (max_queue_depth 1): a second waiter is refused at once.
    const waiting = chat("brief", "waits");
    await vi.waitFor(async () => expect(await waitingInHealth("brief")).toBe(1), { timeout: 3000, interval: 20 });
    const full = await chat("brief", "no room in line");
    expect(full.status).toBe(429);
    expect(full.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(await full.json()).toMatchObject({ error: { type: "rate_limit_error", code: "queue_full" } });
    expect((await waiting).status).toBe(429);
    expect(
      sampleValue(await metrics(), "runestone_slot_wait_seconds_count", { tenant: "brief", outcome: "timed_out" }),
    ).toBe(2);
    release();
    await vi.waitFor(async () => expect(await inFlight("brief")).toBe(0), { timeout: 3000, interval: 20 });
  });

  it("a client that leaves while waiting gives its place up: nothing goes upstream, no slot is kept", async () => {
    const release = await holdSlot("solo");
    const controller = new AbortController();
    const leaving = fetch(`${tg.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "left while waiting" }],
        tenant_id: "solo",
      }),
      signal: controller.signal,
    }).catch(() => undefined);
    await vi.waitFor(async () => expect(await waitingInHealth("solo")).toBe(1), { timeout: 3000, interval: 20 });
    controller.abort();
    await leaving;
    await vi.waitFor(async () => expect(await waitingInHealth("solo")).toBe(0), { timeout: 3000, interval: 20 });
    release();
    await vi.waitFor(async () => expect(await inFlight("solo")).toBe(0), { timeout: 3000, interval: 20 });
    // The slot is free for the next request, and the one that left never reached the upstream.
    const next = await chat("solo", "after the one that left");
    expect(next.status).toBe(200);
    await next.text();
    expect(upstreamCalls("left while waiting")).toBe(0);
    expect(
      sampleValue(await metrics(), "runestone_slot_wait_seconds_count", { tenant: "solo", outcome: "abandoned" }),
    ).toBe(1);
    await vi.waitFor(async () => expect(await inFlight("solo")).toBe(0), { timeout: 3000, interval: 20 });
  });

  it("gives 202 and a job at once to a client that asks for async; reject mode still answers 429", async () => {
    const release = await holdSlot("solo");
    const preferred = await chat("solo", "async please", {}, { prefer: "respond-async" });
    expect(preferred.status).toBe(202);
    expect(preferred.headers.get("location")).toMatch(/^\/v1\/jobs\/job_/);
    const byHeader = await chat("solo", "queue please", {}, { "x-runestone-overflow": "queue" });
    expect(byHeader.status).toBe(202);
    const rejected = await chat("solo", "no wait please", {}, { "x-runestone-overflow": "reject" });
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get("retry-after")).toMatch(/^\d+$/);
    await rejected.text();
    await Promise.all([preferred.text(), byHeader.text()]);
    release();

    const releasePicky = await holdSlot("picky");
    const pickyRejected = await chat("picky", "rejected");
    expect(pickyRejected.status).toBe(429);
    await pickyRejected.text();
    const pickyWaits = chat("picky", "waits by choice", {}, { "x-runestone-overflow": "wait" });
    await vi.waitFor(async () => expect(await waitingInHealth("picky")).toBe(1), { timeout: 3000, interval: 20 });
    releasePicky();
    const waited = await pickyWaits;
    expect(waited.status).toBe(200);
    await waited.text();
    await vi.waitFor(async () => expect(await inFlight("picky")).toBe(0), { timeout: 3000, interval: 20 });
  });

  it("estimates the 202's wait from measured service times, not a fixed guess", async () => {
    tg.fake.use(slowAnswer(1_500, (r) => promptOf(r).includes("measure me")));
    for (let i = 0; i < 2; i++) {
      const served = await chat("measured", `measure me ${i}`);
      expect(served.status).toBe(200);
      await served.text();
    }
    const release = await holdSlot("measured");
    const queued = await chat("measured", "queued behind");
    expect(queued.status).toBe(202);
    // One slot, first in line, ~1.5 s per request: about 2 s (the seed before any measurement would say 5).
    expect(((await queued.json()) as { estimated_wait_time: number }).estimated_wait_time).toBe(2);
    release();
    await vi.waitFor(async () => expect(await tg.gateway.runtime.queue.depth("measured")).toBe(0), {
      timeout: 5000,
      interval: 50,
    });
  });
});
