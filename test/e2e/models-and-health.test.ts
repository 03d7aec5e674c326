import { createServer, type Server } from "node:net";
import OpenAI, { type APIError } from "openai";
import { createRunestoneClient, type RunestoneClient } from "runestone/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/test-gateway.js";

/** The typed client generated from the spec, through the test's contract-checking fetch. */
const clientOf = (tg: TestGateway): RunestoneClient => createRunestoneClient({ baseUrl: tg.url, fetch: tg.fetch });

describe("with both providers configured", () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway({
      config: {
        models: [
          {
            id: "llama3.1",
            provider: "openai",
            capabilities: ["chat"],
            input_cost_per_million: 0.1,
            output_cost_per_million: 0.2,
          },
        ],
      },
    });
  });
  afterEach(() => tg.contract.settle());
  afterAll(() => tg.close());

  it("lists the catalog, with provider, capabilities and prices", async () => {
    const { data, response } = await clientOf(tg).GET("/v1/models");
    expect(response.status).toBe(200);
    const models = data?.data ?? [];
    const ids = models.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(["gpt-4o-mini", "claude-sonnet-4-5", "llama3.1"]));
    expect(models.find((m) => m.id === "gpt-4o-mini")).toMatchObject({
      object: "model",
      owned_by: "openai",
      provider: "openai",
      capabilities: expect.arrayContaining(["chat", "streaming", "function_calling", "vision"]),
      cost_per_1k_tokens: { input: 0.00015, output: 0.0006 },
      context_window: 128000,
    });
    expect(models.find((m) => m.id === "llama3.1")).toMatchObject({
      provider: "openai",
      cost_per_1k_tokens: { input: 0.0001, output: 0.0002 },
    });
  });

  it("retrieves one model by id, snapshot id or provider/id", async () => {
    const retrieve = async (model: string) =>
      (await clientOf(tg).GET("/v1/models/{model}", { params: { path: { model } } })).data;
    expect(await retrieve("claude-haiku-4-5")).toMatchObject({ id: "claude-haiku-4-5", provider: "anthropic" });
    expect(await retrieve("claude-haiku-4-5-20251001")).toMatchObject({ id: "claude-haiku-4-5" });
    expect(await retrieve("anthropic/claude-haiku-4-5")).toMatchObject({ id: "claude-haiku-4-5" });
  });

  it("answers 404 not_found_error for an unknown model", async () => {
    const { data, error, response } = await clientOf(tg).GET("/v1/models/{model}", {
      params: { path: { model: "gpt-99" } },
    });
    expect(response.status).toBe(404);
    expect(data).toBeUndefined();
    expect(error?.error).toMatchObject({ type: "not_found_error", code: "model_not_found", param: "model" });
  });

  it("reads the same catalog through the OpenAI SDK: models.list(), models.retrieve(), NotFoundError", async () => {
    const models = [];
    for await (const model of tg.openai.models.list()) models.push(model);
    expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(["gpt-4o-mini", "claude-sonnet-4-5", "llama3.1"]));
    expect(await tg.openai.models.retrieve("anthropic/claude-haiku-4-5")).toMatchObject({
      id: "claude-haiku-4-5",
      provider: "anthropic",
    });
    const error = await tg.openai.models.retrieve("gpt-99").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).error).toMatchObject({
      type: "not_found_error",
      code: "model_not_found",
      param: "model",
    });
  });

  it("is live, ready and healthy with an in-memory state backend", async () => {
    const client = clientOf(tg);
    const live = await client.GET("/health/live");
    expect(live.data).toMatchObject({ status: "ok" });
    const ready = await client.GET("/health/ready");
    expect(ready.response.status).toBe(200);
    expect(ready.data).toMatchObject({ ready: true, checks: { config: true, state_backend: true } });
    const health = await client.GET("/health");
    expect(health.response.status).toBe(200);
    expect(health.data).toMatchObject({
      status: "healthy",
      version: expect.any(String),
      components: {
        providers: { status: "healthy", message: "configured: openai, anthropic" },
        state_backend: { status: "healthy", details: { kind: "memory" } },
      },
    });
  });
});

describe("with no provider keys", () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway({
      env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined, ANTHROPIC_API_KEY: undefined },
    });
  });
  afterEach(() => tg.contract.settle());
  afterAll(() => tg.close());

  it("starts, lists no models and reports providers degraded", async () => {
    const client = clientOf(tg);
    expect((await client.GET("/v1/models")).data?.data).toEqual([]);
    const health = await client.GET("/health");
    expect(health.response.status).toBe(200);
    expect(health.data).toMatchObject({ status: "degraded", components: { providers: { status: "degraded" } } });
  });

  it.each([
    ["gpt-4o-mini", /OPENAI_API_KEY/],
    ["claude-haiku-4-5", /ANTHROPIC_API_KEY/],
  ])("answers a chat for %s with 503 saying which variable to set", async (model, variable) => {
    for (const path of ["/v1/chat/completions", "/v1/chat/stream"]) {
      const response = await tg.post(path, { model, messages: [{ role: "user", content: "hi" }] });
      expect(response.status).toBe(503);
      const { error } = (await response.json()) as { error: { message: string; code: string; type: string } };
      expect(error).toMatchObject({ type: "service_error", code: "provider_not_configured" });
      expect(error.message).toMatch(variable);
    }
  });
});

describe("with a Redis state backend", () => {
  let dead: Server;
  let deadPort: number;
  beforeAll(async () => {
    // A port that accepts nothing: bound, then closed.
    dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    deadPort = (dead.address() as { port: number }).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
  });

  it("is ready and healthy when Redis answers, with its latency", async () => {
    const tg = await startTestGateway({ env: { REDIS_URL: "redis://127.0.0.1:6379" } });
    try {
      const client = clientOf(tg);
      const ready = await client.GET("/health/ready");
      expect(ready.response.status).toBe(200);
      const health = (await client.GET("/health")).data;
      expect(health?.components.state_backend).toMatchObject({ status: "healthy", details: { kind: "redis" } });
      expect(health?.components.state_backend.latency_ms).toBeGreaterThan(0);
      await tg.contract.settle();
    } finally {
      await tg.close();
    }
  });

  it("is not ready (503) and unhealthy (503) while Redis is unreachable", async () => {
    const tg = await startTestGateway({ env: { REDIS_URL: `redis://127.0.0.1:${deadPort}` } });
    try {
      const client = clientOf(tg);
      // 503 is an error status to the client: its body is in `error`, typed from the spec as the report it is.
      const ready = await client.GET("/health/ready");
      expect(ready.response.status).toBe(503);
      expect(ready.error).toMatchObject({ ready: false, checks: { state_backend: false } });
      const health = await client.GET("/health");
      expect(health.response.status).toBe(503);
      expect(health.error).toMatchObject({
        status: "unhealthy",
        components: { state_backend: { status: "unhealthy" } },
      });
      await tg.contract.settle();
    } finally {
      await tg.close();
    }
  });
});
