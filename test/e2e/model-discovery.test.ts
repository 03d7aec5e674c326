import { Writable } from "node:stream";
import OpenAI from "openai";
import { type Logger, pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { BUILTIN_MODELS } from "../../src/catalog/builtin-models.js";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/index.js";
import { openaiModelList } from "../fake-upstream/model-lists.js";
import { startTestGateway, type TestGateway } from "../support/test-gateway.js";

/**
 * The catalog of an OpenAI-compatible host is what the host itself lists (GET /v1/models), merged with the config
 * file's entries; OpenAI's cloud catalog is shown only for OpenAI. The fake upstream plays a local host (Ollama,
 * vLLM): its base URL is http://127.0.0.1:<port>/v1, not https://api.openai.com/v1.
 */

const LOCAL_MODELS = ["llama3.1", "qwen2.5-coder:7b", "nomic-embed-text"];
const OPENAI_CLOUD_MODELS = BUILTIN_MODELS.filter((m) => m.provider === "openai").map((m) => m.id);
const ANTHROPIC_MODELS = BUILTIN_MODELS.filter((m) => m.provider === "anthropic").map((m) => m.id);

interface LogLine {
  level: number;
  msg: string;
  provider?: string;
  base_url?: string;
}

function logCapture(): { lines: LogLine[]; logger: Logger } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { lines, logger: pino({ level: "info" }, sink) };
}

const listIds = async (client: OpenAI): Promise<string[]> => {
  const ids: string[] = [];
  for await (const model of client.models.list()) ids.push(model.id);
  return ids;
};

/** Answers GET /v1/models with `ids` from now on, like a host that pulled or removed a model. */
const serveModels = (fake: FakeUpstream, ids: string[], extra: Record<string, unknown> = {}) =>
  fake.use((request) =>
    request.path === "/v1/models"
      ? {
          kind: "json",
          body: {
            object: "list",
            data: (openaiModelList(ids) as { data: object[] }).data.map((m) => ({ ...m, ...extra })),
          },
        }
      : undefined,
  );

describe("OPENAI_BASE_URL at a local host", () => {
  let tg: TestGateway;
  const log = logCapture();
  beforeAll(async () => {
    tg = await startTestGateway({
      upstream: { openaiModels: LOCAL_MODELS },
      logger: log.logger,
      // discover_models at its default (the test gateway's own default is OpenAI's catalog); a configured entry
      // gives one host model its prices.
      config: {
        providers: { openai: { discover_models: undefined } },
        models: [
          {
            id: "qwen2.5-coder:7b",
            provider: "openai",
            model_family: "coding",
            input_cost_per_million: 0,
            output_cost_per_million: 0,
          },
        ],
        model_discovery: { refresh_ms: 1000 },
      },
    });
  });
  afterEach(async () => {
    await tg.contract.settle();
    tg.fake.reset();
  });
  afterAll(() => tg.close());

  it("client.models.list() shows what the host serves, not OpenAI's cloud models", async () => {
    const ids = await listIds(tg.openai);
    expect(ids).toEqual(expect.arrayContaining([...LOCAL_MODELS, ...ANTHROPIC_MODELS]));
    expect(ids.filter((id) => OPENAI_CLOUD_MODELS.includes(id))).toEqual([]);
    expect(ids).toHaveLength(LOCAL_MODELS.length + ANTHROPIC_MODELS.length);
  });

  it("GET /v1/models/llama3.1 is 200: the host's model, its price unknown", async () => {
    expect(await tg.openai.models.retrieve("llama3.1")).toMatchObject({
      id: "llama3.1",
      object: "model",
      provider: "openai",
      owned_by: "system",
      created: 1735689600,
      cost_per_1k_tokens: null,
      capabilities: ["chat", "streaming"],
      model_family: "general",
    });
    expect(await tg.openai.models.retrieve("nomic-embed-text")).toMatchObject({
      capabilities: ["embeddings"],
      max_tokens: 0,
    });
    // The configured entry of a host model keeps its prices and family.
    expect(await tg.openai.models.retrieve("openai/qwen2.5-coder:7b")).toMatchObject({
      model_family: "coding",
      cost_per_1k_tokens: { input: 0, output: 0 },
    });
    const missing = await tg.openai.models.retrieve("gpt-4o").catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("chat and embeddings with a host model go to the host", async () => {
    const answer = await tg.openai.chat.completions.create({
      model: "llama3.1",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer).toMatchObject({ model: "llama3.1", provider: "openai" });
    const embedding = await tg.openai.embeddings.create({ model: "nomic-embed-text", input: "hi" });
    expect(embedding.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(tg.fake.requests.map((r) => [r.path, r.body.model])).toEqual([
      ["/v1/chat/completions", "llama3.1"],
      ["/v1/embeddings", "nomic-embed-text"],
    ]);
  });

  it("the cost policy passes over a model without a price, and says why when it is named", async () => {
    const cheapest = await tg.openai.chat.completions.create({
      messages: [{ role: "user", content: "hi" }],
      routing_policy: "cost",
      model_family: "coding",
    } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(cheapest.model).toBe("qwen2.5-coder:7b");
    const named = await tg.openai.chat.completions
      .create({
        model: "llama3.1",
        messages: [{ role: "user", content: "hi" }],
        routing_policy: "cost",
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((err: unknown) => err);
    expect(named).toBeInstanceOf(OpenAI.BadRequestError);
    expect((named as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      code: "no_eligible_model",
      param: "model",
    });
    expect((named as Error).message).toMatch(/'llama3.1' is listed by provider 'openai' with no price/);
  });

  it("reads the list again: a model the host adds shows, one it drops goes", async () => {
    serveModels(tg.fake, ["llama3.1", "mistral-nemo"], { max_model_len: 131072 });
    await vi.waitFor(async () => expect(await listIds(tg.openai)).toContain("mistral-nemo"), {
      timeout: 5000,
      interval: 100,
    });
    const ids = await listIds(tg.openai);
    expect(ids).not.toContain("nomic-embed-text");
    // Configured entries stay whatever the host lists.
    expect(ids).toContain("qwen2.5-coder:7b");
    // vLLM's max_model_len is the context window.
    expect(await tg.openai.models.retrieve("mistral-nemo")).toMatchObject({ context_window: 131072 });
  });

  it("a host that stops answering keeps its last list, with one warning until it answers again", async () => {
    serveModels(tg.fake, LOCAL_MODELS);
    await vi.waitFor(async () => expect(await listIds(tg.openai)).toContain("nomic-embed-text"), { timeout: 5000 });
    tg.fake.use((request) =>
      request.path === "/v1/models" ? { kind: "error", status: 500, message: "model store locked" } : undefined,
    );
    const failed = () => tg.fake.requests.filter((r) => r.path === "/v1/models").length;
    await vi.waitFor(() => expect(failed()).toBeGreaterThanOrEqual(3), { timeout: 8000, interval: 100 });
    expect(await listIds(tg.openai)).toEqual(expect.arrayContaining(LOCAL_MODELS));
    const warnings = log.lines.filter((l) => l.level === 40 && /could not read the models/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toBe(
      `could not read the models of provider 'openai' (GET ${tg.fake.openaiBaseURL}/models): Provider 'openai' ` +
        "answered 500: model store locked; keeping the 3 models it listed last",
    );
    tg.fake.reset();
    await vi.waitFor(
      () => expect(log.lines.some((l) => l.msg === "provider 'openai' lists its models again")).toBe(true),
      { timeout: 5000, interval: 100 },
    );
  });
});

describe("a named OpenAI-compatible provider next to OpenAI itself", () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway({
      upstream: { openaiModels: ["llama3.1"] },
      // OpenAI itself (its real base URL, never called here) and Ollama on the fake upstream.
      env: { OPENAI_BASE_URL: undefined },
      config: { providers: { openai: { discover_models: undefined }, ollama: { base_url: "http://0.0.0.0:1/v1" } } },
    });
  });
  afterAll(() => tg?.close());

  it("lists OpenAI's cloud catalog for OpenAI and the host's models for the host, and routes by the list", async () => {
    const config = tg.gateway.runtime.snapshot().config;
    tg.gateway.runtime.reconfigure(
      parseConfig(
        { ...config, providers: { ...config.providers, ollama: { base_url: tg.fake.openaiBaseURL } } },
        {},
        "test",
      ),
    );
    await vi.waitFor(async () => expect(await listIds(tg.openai)).toContain("llama3.1"), { timeout: 5000 });
    const ids = await listIds(tg.openai);
    expect(ids).toEqual(expect.arrayContaining([...OPENAI_CLOUD_MODELS, ...ANTHROPIC_MODELS, "llama3.1"]));
    expect(await tg.openai.models.retrieve("llama3.1")).toMatchObject({ provider: "ollama", owned_by: "system" });
    const answer = await tg.openai.chat.completions.create({
      model: "llama3.1",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer).toMatchObject({ model: "llama3.1", provider: "ollama" });
  });
});

describe("a host that sends its headers and stalls its list", () => {
  it("holds start-up up to model_discovery.timeout_ms only, then serves its configured models", async () => {
    const log = logCapture();
    const stalling = await startFakeUpstream();
    stalling.use(() => ({
      kind: "sse",
      headers: { "content-type": "application/json" },
      events: [{ data: '{"object": "list", "data": [' }],
      hangAfterEvents: 1,
    }));
    const started = performance.now();
    const tg = await startTestGateway({
      logger: log.logger,
      env: { OPENAI_BASE_URL: stalling.openaiBaseURL },
      config: {
        providers: { openai: { discover_models: undefined } },
        models: [{ id: "llama3.1", provider: "openai" }],
        model_discovery: { timeout_ms: 1000 },
      },
    });
    try {
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(await listIds(tg.openai)).toContain("llama3.1");
      expect(log.lines.filter((l) => l.level === 40 && l.provider === "openai").map((l) => l.msg)).toEqual([
        `could not read the models of provider 'openai' (GET ${stalling.openaiBaseURL}/models): Provider 'openai' ` +
          "did not list its models within 1000 ms; listing its configured models only",
      ]);
    } finally {
      await tg.close();
      await stalling.close();
    }
  });
});

describe("a host that is down at start-up", () => {
  it("starts, lists the configured models of that provider, and warns once naming its address", async () => {
    const log = logCapture();
    const down = await startFakeUpstream();
    const address = down.openaiBaseURL;
    await down.close();
    const tg = await startTestGateway({
      logger: log.logger,
      env: { OPENAI_BASE_URL: address },
      config: {
        providers: { openai: { discover_models: undefined } },
        models: [{ id: "llama3.1", provider: "openai" }],
        model_discovery: { timeout_ms: 1000 },
      },
    });
    try {
      const ids = await listIds(tg.openai);
      expect(ids).toContain("llama3.1");
      expect(ids.filter((id) => OPENAI_CLOUD_MODELS.includes(id))).toEqual([]);
      const warnings = log.lines.filter((l) => l.level === 40 && l.provider === "openai");
      expect(warnings.map((l) => l.msg)).toEqual([
        `could not read the models of provider 'openai' (GET ${address}/models): Provider 'openai' could not be ` +
          "reached; listing its configured models only",
      ]);
    } finally {
      await tg.close();
    }
  });
});
