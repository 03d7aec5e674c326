import { Writable } from "node:stream";
import Anthropic, { AuthenticationError, RateLimitError } from "@anthropic-ai/sdk";
import type { MessageParam } from "@anthropic-ai/sdk/resources/messages";
import { pino } from "pino";
import { createRunestoneClient } from "runestone/client";
import { describe, expect, it, vi } from "vitest";
import { BUILTIN_MODELS } from "../../src/catalog/builtin-models.js";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import { anthropicStream } from "../fake-upstream/index.js";
import { parsePrometheus, sampleValue } from "../support/prometheus-text.js";
import { parseSse } from "../support/sse.js";
import { useTestGateway } from "../support/test-gateway.js";

/**
 * The Messages API goes through the one pipeline: the same keys and tenants, slots and queue, failover (across
 * providers), usage, budgets and metrics as chat completions; and token counting.
 */

const KEYS = { acme: "rsk_acme_messages_key", spender: "rsk_spender_messages_key" };
const hello: MessageParam[] = [{ role: "user", content: "Hello" }];

const logLines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split("\n")) {
      if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  },
});

const tg = useTestGateway({
  logger: pino({ level: "info" }, sink),
  config: {
    fallbacks: { "claude-haiku-4-5": ["gpt-4o-mini"] },
    routing: { retry: { max_attempts: 1 } },
    metrics: { loopback_without_token: true },
    tenants: {
      acme: { api_keys: [hashApiKey(KEYS.acme)], max_concurrency: 1, overflow: "queue" },
      spender: { api_keys: [hashApiKey(KEYS.spender)], monthly_budget_usd: 0.000001 },
    },
  },
});

/** The Anthropic SDK with a key: as a Bearer token (the SDK's way), or in x-api-key (Claude Code's). */
function client(key: string, as: "bearer" | "x-api-key" = "bearer"): Anthropic {
  return new Anthropic({
    baseURL: tg.url,
    maxRetries: 0,
    fetch: tg.contract.fetch,
    ...(as === "bearer" ? { apiKey: key } : { apiKey: null, defaultHeaders: { "x-api-key": key } }),
  });
}
const acme = () => client(KEYS.acme);

describe("keys as Anthropic clients send them", () => {
  it("takes the key in x-api-key or as a Bearer token", async () => {
    for (const as of ["x-api-key", "bearer"] as const) {
      const message = await client(KEYS.acme, as).messages.create({
        model: "claude-haiku-4-5",
        max_tokens: 64,
        messages: hello,
      });
      expect(message.content).toEqual([expect.objectContaining({ text: "echo: Hello" })]);
    }
  });

  it.each(["claude-sonnet-4-5", "gpt-4o-mini"])("serves a request as Claude Code sends it, to %s", async (model) => {
    const response = await tg.post(
      "/v1/messages?beta=true",
      {
        model,
        max_tokens: 32000,
        stream: true,
        system: [{ type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } }],
        messages: [{ role: "user", content: [{ type: "text", text: "List the files" }] }],
        tools: [{ name: "Bash", description: "Runs a command", input_schema: { type: "object", properties: {} } }],
        metadata: { user_id: "user_abc" },
      },
      {
        "x-api-key": KEYS.acme,
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
      },
    );
    expect(response.status).toBe(200);
    const events = parseSse(await response.text()).map((event) => JSON.parse(event.data) as Record<string, unknown>);
    expect(events.at(-1)).toEqual({ type: "message_stop" });
    const text = events.map((event) => (event.delta as { text?: string } | undefined)?.text ?? "").join("");
    expect(text).toBe("echo: List the files");
    const upstream = tg.fake.requests.at(-1);
    if (model.startsWith("claude")) {
      expect(upstream?.headers["anthropic-beta"]).toBe("claude-code-20250219,interleaved-thinking-2025-05-14");
    }
  });

  it.each([
    ["no key", {}, /x-api-key: <key>' or 'Authorization: Bearer <key>/],
    ["an unknown x-api-key", { "x-api-key": "rsk_nope" }, /not valid/],
    ["an unknown Bearer key", { authorization: "Bearer rsk_nope" }, /not valid/],
  ])("answers %s with 401 authentication_error, in Anthropic's shape", async (_what, headers, message) => {
    const response = await tg.post(
      "/v1/messages",
      { model: "claude-haiku-4-5", max_tokens: 8, messages: hello },
      headers,
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      type: "error",
      error: { type: "authentication_error", message: expect.stringMatching(message) },
      request_id: response.headers.get("x-request-id"),
    });
    expect(tg.fake.requests).toHaveLength(0);
  });

  it("makes the SDK raise AuthenticationError for a wrong key", async () => {
    await expect(
      client("rsk_wrong", "x-api-key").messages.create({ model: "gpt-4o-mini", max_tokens: 8, messages: hello }),
    ).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe("failover across providers", () => {
  it.each([false, true])("answers from the fallback when Claude is overloaded (stream: %s)", async (stream) => {
    tg.fake.once("anthropic", { kind: "error", status: 529 });
    const params = { model: "claude-haiku-4-5", max_tokens: 64, messages: hello };
    const { data, response } = stream
      ? await acme()
          .messages.create({ ...params, stream: true })
          .withResponse()
      : await acme().messages.create(params).withResponse();
    expect(response.headers.get("x-runestone-provider")).toBe("openai");
    expect(response.headers.get("x-runestone-model")).toBe("gpt-4o-mini");
    expect(response.headers.get("x-runestone-attempts")).toBe("2");
    const types: string[] = [];
    if (stream && Symbol.asyncIterator in data) for await (const event of data) types.push(event.type);
    else expect(data).toMatchObject({ type: "message", content: [{ type: "text", text: "echo: Hello" }] });
    if (stream) expect(types.at(-1)).toBe("message_stop");
    expect(tg.fake.requests.map((r) => r.provider)).toEqual(["anthropic", "openai"]);
  });
});

describe("token counting", () => {
  it("asks Claude's count_tokens endpoint for a Claude model: exact", async () => {
    const { data, response } = await acme()
      .messages.countTokens({ model: "claude-haiku-4-5", system: "Be brief.", messages: hello })
      .withResponse();
    // The fake counts its prompt text ("Be brief.\nHello") at four characters a token.
    expect(data).toEqual({ input_tokens: 4 });
    expect(response.headers.get("x-runestone-token-count")).toBe("exact");
    expect(response.headers.get("x-runestone-provider")).toBe("anthropic");
    const upstream = tg.fake.requests.at(-1);
    expect(upstream?.path).toBe("/v1/messages/count_tokens");
    expect(upstream?.body).toEqual({ model: "claude-haiku-4-5", system: "Be brief.", messages: hello });
  });

  it("answers the typed client, errors in Anthropic's shape as the spec types them", async () => {
    const runestone = createRunestoneClient({ baseUrl: tg.url, apiKey: KEYS.acme, fetch: tg.fetch });
    const counted = await runestone.POST("/v1/messages/count_tokens", {
      body: { model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hello, Claude" }] },
    });
    expect(counted.data).toEqual({ input_tokens: 4 });
    const refused = await runestone.POST("/v1/messages/count_tokens", {
      body: { model: "claude-haiku-4-5", messages: [] },
    });
    expect(refused.error?.error.type).toBe("invalid_request_error");
    expect(refused.error?.error.message).toMatch(/^messages: /);
  });

  it("estimates for other models, and says so", async () => {
    const response = await tg.post(
      "/v1/messages/count_tokens",
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "x".repeat(400) }] },
      { "x-api-key": KEYS.acme },
    );
    expect(response.headers.get("x-runestone-token-count")).toBe("estimated");
    expect(response.headers.get("x-runestone-provider")).toBe("openai");
    // 100 tokens of text, 4 for the message, 3 priming the reply.
    expect(await response.json()).toEqual({ input_tokens: 107 });
    expect(tg.fake.requests).toHaveLength(0);
  });
});

describe("limits, the queue, usage and budgets", () => {
  /** Holds acme's one slot with a messages stream the upstream leaves hanging after its first events. */
  async function holdSlot(): Promise<() => void> {
    tg.fake.once("anthropic", { kind: "sse", events: anthropicStream({ text: "a long answer" }), hangAfterEvents: 3 });
    const controller = new AbortController();
    const response = await fetch(`${tg.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEYS.acme },
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 64, stream: true, messages: hello }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    await response.body?.getReader().read();
    return () => controller.abort();
  }

  it("queues a message request over the limit as a job whose result is the Message", async () => {
    const release = await holdSlot();
    const queued = await tg.post(
      "/v1/messages",
      { model: "claude-haiku-4-5", max_tokens: 64, stream: true, messages: [{ role: "user", content: "later" }] },
      { "x-api-key": KEYS.acme },
    );
    expect(queued.status).toBe(202);
    const { job_id: jobId } = (await queued.json()) as { job_id: string };
    expect(queued.headers.get("location")).toBe(`/v1/jobs/${jobId}`);
    const runestone = createRunestoneClient({ baseUrl: tg.url, apiKey: KEYS.acme, fetch: tg.fetch });
    const get = () => runestone.GET("/v1/jobs/{job_id}", { params: { path: { job_id: jobId }, query: {} } });
    expect((await get()).data).toMatchObject({ operation: "messages", status: "queued" });
    release();
    await vi.waitFor(async () => expect((await get()).data?.status).toBe("succeeded"), { timeout: 5000, interval: 50 });
    const { data } = await get();
    expect(data?.result).toMatchObject({ type: "message", content: [{ type: "text", text: "echo: later" }] });
    // A queued stream runs non-streaming: the job's request went to Claude without `stream`.
    expect(tg.fake.requests.at(-1)?.body).not.toHaveProperty("stream");
  });

  it("counts the answers' usage and cost to the tenant, and shows them in the metrics", async () => {
    const before = await usageOf("claude-haiku-4-5");
    const { data: message, response } = await acme()
      .messages.create({ model: "claude-haiku-4-5", max_tokens: 64, messages: hello })
      .withResponse();
    const after = await usageOf("claude-haiku-4-5");
    const price = BUILTIN_MODELS.find((m) => m.id === "claude-haiku-4-5")!;
    const { input_tokens: input, output_tokens: output } = message.usage;
    expect(after.requests - before.requests).toBe(1);
    expect(after.prompt_tokens - before.prompt_tokens).toBe(input);
    expect(after.completion_tokens - before.completion_tokens).toBe(output);
    expect(after.cost_usd - before.cost_usd).toBeCloseTo(
      (input * price.input_cost_per_million + output * price.output_cost_per_million) / 1e6,
      10,
    );

    const line = logLines.find((l) => l.msg === "request" && l.request_id === response.headers.get("x-request-id"));
    expect(line).toMatchObject({
      operation: "createMessage",
      tenant: "acme",
      provider: "anthropic",
      model: "claude-haiku-4-5",
      stream: false,
      prompt_tokens: input,
      completion_tokens: output,
    });

    const metrics = parsePrometheus(await (await tg.fetch(`${tg.url}/metrics`)).text());
    expect(
      sampleValue(metrics, "runestone_requests_total", {
        operation: "createMessage",
        status: "200",
        provider: "anthropic",
      }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(metrics, "runestone_tokens_total", {
        tenant: "acme",
        provider: "anthropic",
        model: "claude-haiku-4-5",
        type: "output",
      }),
    ).toBeGreaterThanOrEqual(output);
  });

  it("refuses a tenant past its budget with 429 rate_limit_error, which the SDK raises", async () => {
    const failure = await client(KEYS.spender)
      .messages.create({ model: "claude-opus-4-1", max_tokens: 4096, messages: hello })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(RateLimitError);
    expect((failure as RateLimitError).error).toMatchObject({ error: { type: "rate_limit_error" } });
    expect(tg.fake.requests).toHaveLength(0);
  });

  async function usageOf(model: string) {
    const runestone = createRunestoneClient({ baseUrl: tg.url, apiKey: KEYS.acme, fetch: tg.fetch });
    const { data } = await runestone.GET("/v1/usage", { params: { query: { period: "today" } } });
    const found = data?.by_model.find((entry) => entry.model === model);
    return found ?? { requests: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 };
  }
});
