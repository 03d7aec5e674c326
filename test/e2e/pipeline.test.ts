import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { TelemetryEvents } from "../../src/telemetry/events.js";
import { openaiStream } from "../fake-upstream/index.js";
import { sseData } from "../support/contract.js";
import { type TestGateway, useTestGateway } from "../support/test-gateway.js";

const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "hi" }],
  ...extra,
});

function events<K extends keyof TelemetryEvents>(tg: TestGateway, name: K): TelemetryEvents[K][] {
  const seen: TelemetryEvents[K][] = [];
  tg.gateway.runtime.telemetry.on(name, (event) => seen.push(event));
  return seen;
}

describe("one chat pipeline: upstream failures", () => {
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) logLines.push(JSON.parse(line));
      done();
    },
  });
  // One attempt per request and breakers that never open: each test sees one upstream failure as it is.
  const tg = useTestGateway({
    logger: pino({ level: "info" }, sink),
    config: {
      providers: { openai: { timeout_ms: 1_500 } },
      routing: { retry: { max_attempts: 1 }, breaker: { consecutive_failures: 1000, minimum_requests: 1000 } },
    },
  });

  it("ends a stream past its attempt's deadline with a 504 upstream_timeout event, not as a client abort", async () => {
    tg.fake.once("openai", { kind: "sse", events: openaiStream({ content: "a long answer" }), hangAfterEvents: 2 });
    const ends = events(tg, "request.end");
    const response = await tg.post("/v1/chat/stream", chatBody());
    expect(response.status).toBe(200);
    const data = sseData(await response.text());
    expect(data).not.toContain("[DONE]");
    expect(JSON.parse(data.at(-1) ?? "{}")).toMatchObject({
      error: { code: "upstream_timeout", type: "service_error" },
    });
    // The upstream call was ended, and the request was logged as the timeout it was.
    await expect.poll(() => tg.fake.openResponses()).toBe(0);
    await expect.poll(() => ends.length).toBe(1);
    expect(ends[0]).toMatchObject({ status: 200, errorCode: "upstream_timeout" });
    expect(ends[0]?.clientClosed).toBeUndefined();
  });

  it("logs the cause behind a 502 (the transport's error, with its stack) on the request's log line", async () => {
    tg.fake.once("openai", { kind: "reset" });
    const response = await tg.post("/v1/chat/completions", chatBody());
    expect(response.status).toBe(502);
    const requestId = response.headers.get("x-request-id");
    await expect.poll(() => logLines.find((line) => line.request_id === requestId)).toBeDefined();
    const line = logLines.find((l) => l.request_id === requestId) as { err?: Record<string, string> };
    expect(line).toMatchObject({ status: 502, error_code: "upstream_unreachable" });
    expect(line.err).toMatchObject({ type: "UpstreamConnectionError", message: expect.stringContaining("ECONNRESET") });
    expect(line.err?.stack).toContain("postJson");
  });
});

describe("one chat pipeline: queued jobs", () => {
  const tg = useTestGateway({
    config: { tenants: { solo: { max_concurrency: 1, overflow: "queue" } }, queue: { max_wait_ms: 5_000 } },
  });

  it("has a queued job take its tenant's slot as a live request does: reported, and given back", async () => {
    const slots = events(tg, "limits.slot");
    tg.fake.once("openai", { kind: "sse", events: openaiStream({ content: "a long answer" }), hangAfterEvents: 2 });
    const holder = new AbortController();
    const held = await fetch(`${tg.url}/v1/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(chatBody({ tenant_id: "solo" })),
      signal: holder.signal,
    });
    await held.body?.getReader().read();
    const queued = await tg.post("/v1/chat/completions", chatBody({ tenant_id: "solo" }));
    expect(queued.status).toBe(202);
    const { job_id: jobId } = (await queued.json()) as { job_id: string };
    holder.abort();

    const job = async () =>
      (await (await tg.fetch(`${tg.url}/v1/jobs/${jobId}?tenant_id=solo`)).json()) as { status: string };
    await expect.poll(async () => (await job()).status, { timeout: 5_000 }).toBe("succeeded");
    // The live request's slot (+1, -1), then the job's (+1, -1): the job's slot is reported like any other.
    await expect
      .poll(() => slots.map((e) => [e.tenant, e.delta]))
      .toEqual([
        ["solo", 1],
        ["solo", -1],
        ["solo", 1],
        ["solo", -1],
      ]);
    expect(await tg.gateway.runtime.limiter.inFlight("solo")).toBe(0);
  });
});
