import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TelemetryEvents } from "../../src/telemetry/events.js";
import { startTestGateway, type TestGateway } from "../support/test-gateway.js";

/*
 * The breakers must never be the outage: what the gateway does after bursts of upstream faults when a model has
 * no other candidate, after upstream 429s, and after requests that fail in the gateway itself. The breaker
 * settings are the defaults (five failures in a row open a model for 15 s); retries wait at most 10 ms, and a
 * retry-after over 500 ms is not waited for.
 */
describe.each([
  ["memory", undefined],
  ["redis", "redis://127.0.0.1:6379"],
])("breakers that never refuse what they could serve (%s)", (_backend, redisUrl) => {
  let tg: TestGateway;
  const transitions: Array<TelemetryEvents["breaker.transition"]> = [];
  const user = [{ role: "user", content: "hi" }];

  beforeAll(async () => {
    tg = await startTestGateway({
      config: {
        redis_key_prefix: `runestone-test:${randomUUID()}:`,
        fallbacks: { "gpt-4.1-mini": ["anthropic/claude-haiku-4-5"] },
        routing: { retry: { max_attempts: 2, base_delay_ms: 10, max_delay_ms: 500 } },
      },
      env: redisUrl ? { REDIS_URL: redisUrl } : {},
    });
    tg.gateway.runtime.telemetry.on("breaker.transition", (event) => transitions.push(event));
  });
  afterEach(async () => {
    await tg.contract.settle();
    tg.fake.reset();
    transitions.length = 0;
  });
  afterAll(async () => {
    await tg.close();
  });

  async function chat(model: string, path = "/v1/chat/completions") {
    const response = await tg.post(path, { model, messages: user });
    const text = await response.text();
    const json = response.headers.get("content-type")?.startsWith("application/json");
    const body = (json ? JSON.parse(text) : {}) as { error?: { code: string } };
    return {
      status: response.status,
      code: body.error?.code,
      provider: response.headers.get("x-runestone-provider"),
      attempts: response.headers.get("x-runestone-attempts"),
      retryAfter: response.headers.get("retry-after"),
    };
  }

  const breaker = (key: string) => tg.gateway.runtime.breakers.state(key);

  it("serves a sole candidate's next request once the upstream is healthy after a burst of 500s", async () => {
    for (let i = 0; i < 6; i++) tg.fake.once("openai", { kind: "error", status: 500 });
    for (let i = 0; i < 3; i++) expect(await chat("gpt-4o")).toMatchObject({ status: 502, code: "upstream_error" });
    expect(await breaker("openai:gpt-4o")).toBe("open");

    // Within the cooldown, and nowhere else to go: probed ahead of it.
    expect(await chat("gpt-4o")).toMatchObject({ status: 200, provider: "openai", attempts: "1" });
    expect(await chat("gpt-4o", "/v1/chat/stream")).toMatchObject({ status: 200, provider: "openai" });
    expect(await breaker("openai:gpt-4o")).toBe("closed");
    expect(tg.fake.requests).toHaveLength(8);
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      "closed->open",
      "open->half_open",
      "half_open->closed",
    ]);
  });

  it("serves a sole candidate's next request after a burst of 429s, which open no breaker", async () => {
    for (let i = 0; i < 6; i++) tg.fake.once("openai", { kind: "error", status: 429 });
    for (let i = 0; i < 3; i++) {
      expect(await chat("gpt-4.1")).toMatchObject({ status: 429, code: "upstream_rate_limited" });
    }
    expect(await chat("gpt-4.1")).toMatchObject({ status: 200, provider: "openai", attempts: "1" });
    expect(await breaker("openai:gpt-4.1")).toBe("closed");
    expect(transitions).toEqual([]);
  });

  it("backs a model off for its 429's retry-after, not a breaker's cooldown; the client gets that 429", async () => {
    tg.fake.once("openai", { kind: "error", status: 429, retryAfter: "1" });
    expect(await chat("gpt-4.1-nano")).toMatchObject({ status: 429, code: "upstream_rate_limited", retryAfter: "1" });
    // Backing off: answered at once, without asking the upstream.
    expect(await chat("gpt-4.1-nano")).toMatchObject({ status: 429, code: "upstream_rate_limited", retryAfter: "1" });
    expect(tg.fake.requests).toHaveLength(1);
    await sleep(1_050);
    expect(await chat("gpt-4.1-nano")).toMatchObject({ status: 200, provider: "openai", attempts: "1" });
    expect(await breaker("openai:gpt-4.1-nano")).toBe("closed");
    expect(transitions).toEqual([]);
  });

  it("serves from other candidates while a model backs off", async () => {
    tg.fake.once("openai", { kind: "error", status: 429, retryAfter: "30" });
    expect(await chat("gpt-4.1-mini")).toMatchObject({ status: 200, provider: "anthropic", attempts: "2" });
    expect(await chat("gpt-4.1-mini")).toMatchObject({ status: 200, provider: "anthropic", attempts: "1" });
    expect(tg.fake.requests.map((r) => r.provider)).toEqual(["openai", "anthropic", "anthropic"]);
  });

  it("counts requests that fail in the gateway itself against nothing, and never sends them", async () => {
    // Nested too deep for the SDK to serialise (an unknown field is forwarded to OpenAI-compatible upstreams).
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const body = `{"model":"gpt-5-nano","messages":[{"role":"user","content":"hi"}],"extra":${deep}}`;
    for (let i = 0; i < 6; i++) {
      const response = await tg.post(i % 2 ? "/v1/chat/stream" : "/v1/chat/completions", body);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      await response.text();
    }
    expect(tg.fake.requests).toHaveLength(0);
    expect(await breaker("openai:gpt-5-nano")).toBe("closed");
    expect(await breaker("openai")).toBe("closed");
    expect(transitions).toEqual([]);
    expect(await chat("gpt-5-nano")).toMatchObject({ status: 200, provider: "openai", attempts: "1" });
  });
});
