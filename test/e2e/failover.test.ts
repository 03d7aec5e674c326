import { describe, expect, it } from "vitest";
import { openaiStream } from "../fake-upstream/index.js";
import { sseData } from "../support/contract.js";
import { useTestGateway } from "../support/test-gateway.js";

const hello = [{ role: "user", content: "hello" }];

describe("failover to a configured fallback", () => {
  const tg = useTestGateway({
    config: {
      fallbacks: { "gpt-4o-mini": ["anthropic/claude-haiku-4-5"] },
      aliases: { fast: "anthropic/claude-haiku-4-5" },
      providers: { openai: { first_token_timeout_ms: 250 } },
      routing: { retry: { max_attempts: 1 }, breaker: { consecutive_failures: 1000, minimum_requests: 1000 } },
    },
  });

  it.each([
    ["a 503", { kind: "error" as const, status: 503 }],
    ["a reset connection", { kind: "reset" as const }],
    ["no first byte in time", { kind: "hang" as const }],
    ["an Anthropic-style overload (500)", { kind: "error" as const, status: 500 }],
  ])("moves on after %s, and says so in the headers", async (_, scenario) => {
    tg.fake.once("openai", scenario);
    const { data, response } = await tg.openai.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("echo: hello");
    expect(data).toMatchObject({ provider: "anthropic", model: "claude-haiku-4-5" });
    expect(response.headers.get("x-runestone-provider")).toBe("anthropic");
    expect(response.headers.get("x-runestone-model")).toBe("claude-haiku-4-5");
    expect(response.headers.get("x-runestone-attempts")).toBe("2");
    expect(tg.fake.requests.map((r) => r.provider)).toEqual(["openai", "anthropic"]);
  });

  it("returns a client error as it is, without trying the fallback", async () => {
    tg.fake.once("openai", { kind: "error", status: 400, message: "bad request" });
    const response = await tg.post("/v1/chat/completions", { model: "gpt-4o-mini", messages: hello });
    expect(response.status).toBe(400);
    expect(tg.fake.requests.map((r) => r.provider)).toEqual(["openai"]);
  });

  it("fails a stream over before its first byte", async () => {
    tg.fake.once("openai", { kind: "error", status: 502 });
    const response = await tg.post("/v1/chat/stream", { model: "gpt-4o-mini", messages: hello });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-runestone-provider")).toBe("anthropic");
    expect(response.headers.get("x-runestone-attempts")).toBe("2");
    const events = sseData(await response.text());
    expect(events.at(-1)).toBe("[DONE]");
  });

  it("never fails a stream over after its first byte: the stream ends with an error event", async () => {
    tg.fake.once("openai", {
      kind: "sse",
      events: openaiStream({ content: "one two three four five" }),
      resetAfterEvents: 2,
    });
    const response = await tg.post("/v1/chat/stream", { model: "gpt-4o-mini", messages: hello });
    expect(response.headers.get("x-runestone-provider")).toBe("openai");
    const events = sseData(await response.text());
    expect(events).not.toContain("[DONE]");
    expect(JSON.parse(events.at(-1) ?? "{}")).toHaveProperty("error");
    expect(tg.fake.requests.map((r) => r.provider)).toEqual(["openai"]);
  });

  it("answers the last error when every candidate failed", async () => {
    tg.fake.once("openai", { kind: "error", status: 503 });
    tg.fake.once("anthropic", { kind: "error", status: 529 });
    const response = await tg.post("/v1/chat/completions", { model: "gpt-4o-mini", messages: hello });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "provider_overloaded" } });
  });

  it("routes an alias to its model, and lists the alias in /v1/models", async () => {
    const answer = await tg.openai.chat.completions.create({
      model: "fast",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer).toMatchObject({ provider: "anthropic", model: "claude-haiku-4-5" });
    const fast = await tg.openai.models.retrieve("fast");
    expect(fast).toMatchObject({ id: "fast", provider: "anthropic", alias_for: "anthropic/claude-haiku-4-5" });
    expect((await tg.openai.models.list()).data.map((m) => m.id)).toContain("fast");
  });
});

describe("retries on the same candidate", () => {
  const tg = useTestGateway({
    config: { routing: { retry: { max_attempts: 3, base_delay_ms: 10, max_delay_ms: 2000 } } },
  });

  it("retries a transient failure and serves from the same provider", async () => {
    tg.fake.once("openai", { kind: "error", status: 502 });
    const response = await tg.post("/v1/chat/completions", { model: "gpt-4o-mini", messages: hello });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-runestone-attempts")).toBe("2");
    expect(response.headers.get("x-runestone-provider")).toBe("openai");
    await response.text();
  });

  it.each([
    ["retry-after-ms", { retryAfterMs: "400" }],
    ["retry-after", { retryAfter: "1" }],
  ])("waits as long as the upstream's %s asks before retrying", async (_, header) => {
    tg.fake.once("openai", { kind: "error", status: 429, ...header });
    const started = performance.now();
    const response = await tg.post("/v1/chat/completions", { model: "gpt-4o-mini", messages: hello });
    const waited = performance.now() - started;
    expect(response.status).toBe(200);
    await response.text();
    const asked = "retryAfterMs" in header ? Number(header.retryAfterMs) : Number(header.retryAfter) * 1000;
    expect(waited).toBeGreaterThanOrEqual(asked);
    expect(tg.fake.requests.map((r) => r.provider)).toEqual(["openai", "openai"]);
  });
});

describe("cost routing", () => {
  const tg = useTestGateway({ env: { RUNESTONE_ROUTER_POLICY: "cost" } });

  it("serves a request that only says what it needs with the cheapest qualifying model (seed example)", async () => {
    const response = await tg.post("/v1/chat/completions", {
      messages: [{ role: "user", content: "Summarize this text" }],
      model_family: "general",
      max_cost_per_token: 0.0001,
      capabilities: ["chat", "streaming"],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-runestone-model")).toBe("gpt-5-nano");
    expect(await response.json()).toMatchObject({ routing_policy: "cost", provider: "openai", model: "gpt-5-nano" });
  });

  it("fails over to the next cheapest when the cheapest fails", async () => {
    tg.fake.once("openai", { kind: "error", status: 503 });
    tg.fake.once("openai", { kind: "error", status: 503 });
    const response = await tg.post("/v1/chat/completions", { messages: hello, capabilities: ["chat"] });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-runestone-model")).not.toBe("gpt-5-nano");
    expect(Number(response.headers.get("x-runestone-attempts"))).toBeGreaterThanOrEqual(3);
    await response.text();
  });

  it("answers 400 no_eligible_model saying which constraint removed which models", async () => {
    const response = await tg.post("/v1/chat/completions", {
      messages: hello,
      model_family: "vision",
      max_cost_per_token: 0.0000001,
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("no_eligible_model");
    expect(error.message).toMatch(/model_family/);
  });

  it("lets a request choose the default policy for itself", async () => {
    const response = await tg.post("/v1/chat/completions", {
      model: "gpt-4o",
      messages: hello,
      routing_policy: "default",
    });
    expect(await response.json()).toMatchObject({ routing_policy: "default", model: "gpt-4o" });
  });
});
