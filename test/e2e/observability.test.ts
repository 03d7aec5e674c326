import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { BUILTIN_MODELS } from "../../src/catalog/builtin-models.js";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import { openaiStream } from "../fake-upstream/index.js";
import { parsePrometheus, sampleValue, type Sample } from "../support/prometheus-text.js";
import { useTestGateway } from "../support/test-gateway.js";

const KEYS = {
  acme: "rsk_acme_observability_key",
  beta: "rsk_beta_observability_key",
  budgeted: "rsk_budget_observability_key",
};
const METRICS_TOKEN = "metrics-token-0123456789";
const SECRET_PROMPT = "the-unlogged-prompt-marker";
const logLines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _, done) {
    for (const line of chunk.toString().split("\n"))
      if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

interface UsageNumbers {
  prompt_tokens: number;
  completion_tokens: number;
}

describe("metrics, request logs and usage after a scripted run", () => {
  const tg = useTestGateway({
    logger: pino({ level: "info" }, sink),
    config: {
      fallbacks: { "gpt-4o-mini": ["anthropic/claude-haiku-4-5"] },
      routing: { retry: { max_attempts: 1 }, breaker: { consecutive_failures: 2 } },
      metrics: { token: METRICS_TOKEN, loopback_without_token: false },
      tenants: {
        acme: { api_keys: [hashApiKey(KEYS.acme)], max_concurrency: 1, overflow: "queue" },
        beta: { api_keys: [hashApiKey(KEYS.beta)], max_concurrency: 1, overflow: "reject" },
        budgeted: { api_keys: [hashApiKey(KEYS.budgeted)], monthly_budget_usd: 0.000001 },
      },
    },
  });
  const as = (tenant: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[tenant]}` });
  const chat = async (tenant: keyof typeof KEYS, body: Record<string, unknown>) => {
    const response = await tg.post(
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: [{ role: "user", content: `${SECRET_PROMPT} hello` }], ...body },
      as(tenant),
    );
    return { response, body: (await response.json()) as { usage?: UsageNumbers; job_id?: string } };
  };
  /** Holds the tenant's slot with a stream the upstream leaves hanging (on another model, so its usage stays apart). */
  async function holdSlot(tenant: keyof typeof KEYS): Promise<() => void> {
    tg.fake.once("openai", { kind: "sse", events: openaiStream({ content: "a long answer" }), hangAfterEvents: 2 });
    const controller = new AbortController();
    const response = await fetch(`${tg.url}/v1/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", ...as(tenant) },
      body: JSON.stringify({ model: "gpt-4.1-nano", messages: [{ role: "user", content: "hold" }] }),
      signal: controller.signal,
    });
    await response.body!.getReader().read();
    return () => controller.abort();
  }
  async function metrics(): Promise<Sample[]> {
    const response = await tg.fetch(`${tg.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    return parsePrometheus(await response.text());
  }
  const price = (id: string) => BUILTIN_MODELS.find((m) => m.id === id)!;
  const cost = (id: string, u: UsageNumbers) =>
    (u.prompt_tokens * price(id).input_cost_per_million + u.completion_tokens * price(id).output_cost_per_million) /
    1e6;

  const openaiUsage: UsageNumbers[] = [];
  const anthropicUsage: UsageNumbers[] = [];

  it("runs the script: successes, a rejection, a queued job, failovers opening a breaker, budget refusal", async () => {
    for (let i = 0; i < 2; i++) openaiUsage.push((await chat("acme", {})).body.usage!);

    const releaseBeta = await holdSlot("beta");
    const rejected = await chat("beta", {});
    expect(rejected.response.status).toBe(429);
    releaseBeta();

    const releaseAcme = await holdSlot("acme");
    const queued = await chat("acme", {});
    expect(queued.response.status).toBe(202);
    releaseAcme();
    await vi.waitFor(
      async () => {
        const job = await tg.fetch(`${tg.url}/v1/jobs/${queued.body.job_id}`, { headers: as("acme") });
        const body = (await job.json()) as { status: string; result?: { usage: UsageNumbers } };
        expect(body.status).toBe("succeeded");
        openaiUsage.push(body.result!.usage);
      },
      { timeout: 5000, interval: 50 },
    );

    for (let i = 0; i < 2; i++) {
      tg.fake.once("openai", { kind: "reset" });
      const { response, body } = await chat("acme", {});
      expect(response.headers.get("x-runestone-provider")).toBe("anthropic");
      anthropicUsage.push(body.usage!);
    }
    // The breaker is open now: this one goes straight to the fallback.
    const straight = await chat("acme", {});
    expect(straight.response.headers.get("x-runestone-attempts")).toBe("1");
    anthropicUsage.push(straight.body.usage!);

    const overBudget = await chat("budgeted", {});
    expect(overBudget.response.status).toBe(429);
    expect(overBudget.body).toMatchObject({ error: { code: "budget_exceeded" } });
  });

  it("exposes each expected series with the expected value", async () => {
    const m = await metrics();
    expect(
      sampleValue(m, "runestone_requests_total", {
        operation: "createChatCompletion",
        status: "200",
        provider: "openai",
      }),
    ).toBe(2);
    expect(
      sampleValue(m, "runestone_requests_total", {
        operation: "createChatCompletion",
        status: "200",
        provider: "anthropic",
      }),
    ).toBe(3);
    expect(
      sampleValue(m, "runestone_requests_total", {
        operation: "createChatCompletion",
        status: "202",
        provider: "none",
      }),
    ).toBe(1);
    expect(
      sampleValue(m, "runestone_requests_total", {
        operation: "createChatCompletion",
        status: "429",
        provider: "none",
      }),
    ).toBe(2);
    // Two after the resets, one more past the open breaker.
    expect(sampleValue(m, "runestone_failovers_total", { from_provider: "openai", to_provider: "anthropic" })).toBe(3);
    expect(sampleValue(m, "runestone_circuit_breaker_transitions_total", { breaker: "openai", to: "open" })).toBe(1);
    expect(sampleValue(m, "runestone_circuit_breaker_state", { breaker: "openai" })).toBe(2);
    expect(
      sampleValue(m, "runestone_routing_decisions_total", {
        policy: "default",
        provider: "openai",
        model: "gpt-4o-mini",
      }),
    ).toBeGreaterThanOrEqual(5);
    expect(sampleValue(m, "runestone_rate_limit_checks_total", { tenant: "acme", result: "queued" })).toBe(1);
    expect(sampleValue(m, "runestone_rate_limit_checks_total", { tenant: "beta", result: "rejected" })).toBe(1);
    expect(sampleValue(m, "runestone_rate_limit_checks_total", { tenant: "acme", result: "allowed" })).toBe(6);
    expect(sampleValue(m, "runestone_queue_jobs_total", { tenant: "acme", outcome: "succeeded" })).toBe(1);
    expect(sampleValue(m, "runestone_queue_job_wait_seconds_count", { tenant: "acme" })).toBe(1);
    expect(sampleValue(m, "runestone_queue_depth")).toBe(0);
    expect(sampleValue(m, "runestone_inflight_requests", { tenant: "acme" })).toBe(0);
    expect(
      sampleValue(m, "gen_ai_client_operation_duration_seconds_count", {
        gen_ai_system: "openai",
        gen_ai_request_model: "gpt-4o-mini",
        outcome: "failure",
      }),
    ).toBe(2);
    expect(
      sampleValue(m, "runestone_gateway_overhead_seconds_count", {
        operation: "createChatCompletion",
        stream: "false",
      }),
    ).toBe(5);
    expect(
      sampleValue(m, "gen_ai_server_time_to_first_token_seconds_count", { gen_ai_system: "openai" }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("counts tokens and cost per tenant at catalog price × the upstream's usage; GET /v1/usage agrees", async () => {
    const m = await metrics();
    const sum = (list: UsageNumbers[], key: keyof UsageNumbers) => list.reduce((n, u) => n + u[key], 0);
    expect(
      sampleValue(m, "runestone_tokens_total", {
        tenant: "acme",
        provider: "openai",
        model: "gpt-4o-mini",
        type: "input",
      }),
    ).toBe(sum(openaiUsage, "prompt_tokens"));
    expect(
      sampleValue(m, "runestone_tokens_total", {
        tenant: "acme",
        provider: "anthropic",
        model: "claude-haiku-4-5",
        type: "output",
      }),
    ).toBe(sum(anthropicUsage, "completion_tokens"));
    const openaiCost = openaiUsage.reduce((n, u) => n + cost("gpt-4o-mini", u), 0);
    const anthropicCost = anthropicUsage.reduce((n, u) => n + cost("claude-haiku-4-5", u), 0);
    expect(
      sampleValue(m, "runestone_cost_usd_total", { tenant: "acme", provider: "openai", model: "gpt-4o-mini" }),
    ).toBeCloseTo(openaiCost, 12);
    expect(
      sampleValue(m, "runestone_cost_usd_total", { tenant: "acme", provider: "anthropic", model: "claude-haiku-4-5" }),
    ).toBeCloseTo(anthropicCost, 12);

    const response = await tg.fetch(`${tg.url}/v1/usage?period=today`, { headers: as("acme") });
    const report = (await response.json()) as {
      totals: { requests: number; prompt_tokens: number; completion_tokens: number; cost_usd: number };
      by_model: Array<{
        provider: string;
        model: string;
        requests: number;
        prompt_tokens: number;
        completion_tokens: number;
        cost_usd: number;
      }>;
    };
    const row = (model: string) => report.by_model.find((r) => r.model === model);
    expect(row("gpt-4o-mini")).toMatchObject({
      requests: openaiUsage.length,
      prompt_tokens: sum(openaiUsage, "prompt_tokens"),
      completion_tokens: sum(openaiUsage, "completion_tokens"),
    });
    expect(row("claude-haiku-4-5")).toMatchObject({
      requests: anthropicUsage.length,
      prompt_tokens: sum(anthropicUsage, "prompt_tokens"),
      completion_tokens: sum(anthropicUsage, "completion_tokens"),
    });
    expect(row("gpt-4o-mini")?.cost_usd).toBeCloseTo(openaiCost, 8);
    // The totals include the held stream cut off by its client (usage estimated from what streamed), as the metrics do.
    const metricTotal = (type: string) =>
      m
        .filter((x) => x.name === "runestone_tokens_total" && x.labels.tenant === "acme" && x.labels.type === type)
        .reduce((n, x) => n + x.value, 0);
    expect(report.totals.prompt_tokens).toBe(metricTotal("input"));
    expect(report.totals.completion_tokens).toBe(metricTotal("output"));
    const metricCost = m
      .filter((x) => x.name === "runestone_cost_usd_total" && x.labels.tenant === "acme")
      .reduce((n, x) => n + x.value, 0);
    expect(report.totals.cost_usd).toBeCloseTo(metricCost, 8);
    expect(report.totals.requests).toBe(openaiUsage.length + anthropicUsage.length + 1);
  });

  it("answers a bad usage query with 400, and /metrics without the token with 401", async () => {
    const bad = await tg.fetch(`${tg.url}/v1/usage?start=2026-13-45`, { headers: as("acme") });
    expect(bad.status).toBe(400);
    await bad.text();
    const both = await tg.fetch(`${tg.url}/v1/usage?start=2026-01-01&period=7d`, { headers: as("acme") });
    expect(both.status).toBe(400);
    await both.text();
    const noKey = await tg.fetch(`${tg.url}/v1/usage`);
    expect(noKey.status).toBe(401);
    await noKey.text();
    const noToken = await tg.fetch(`${tg.url}/metrics`);
    expect(noToken.status).toBe(401);
    await noToken.text();
  });

  it("wrote one log line per request with every field, and no API key or prompt text", async () => {
    const requests = logLines.filter((l) => l.msg === "request");
    const chats = requests.filter((l) => l.operation === "createChatCompletion");
    expect(chats.length).toBe(8);
    const served = chats.find((l) => l.status === 200 && l.provider === "anthropic");
    expect(served).toMatchObject({
      request_id: expect.any(String),
      tenant: "acme",
      operation: "createChatCompletion",
      provider: "anthropic",
      model: "claude-haiku-4-5",
      status: 200,
      attempts: expect.any(Number),
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
      cost_usd: expect.any(Number),
      latency_ms: expect.any(Number),
      upstream_ms: expect.any(Number),
      time: expect.any(Number),
    });
    expect(chats.find((l) => l.status === 202)).toMatchObject({ overflow: "queued", job_id: expect.any(String) });
    expect(chats.find((l) => l.status === 429 && l.tenant === "beta")).toMatchObject({
      overflow: "rejected",
      error_code: "rate_limit_exceeded",
    });
    // The held streams, cut off by their clients: 499, with the time to their first token.
    expect(requests.filter((l) => l.operation === "createStreamingChatCompletion")).toEqual([
      expect.objectContaining({ stream: true, status: 499, ttft_ms: expect.any(Number), tenant: "beta" }),
      expect.objectContaining({ stream: true, status: 499, ttft_ms: expect.any(Number), tenant: "acme" }),
    ]);
    const everything = JSON.stringify(logLines);
    for (const key of Object.values(KEYS)) expect(everything).not.toContain(key);
    expect(everything).not.toContain(METRICS_TOKEN);
    expect(everything).not.toContain(SECRET_PROMPT);
  });
});
