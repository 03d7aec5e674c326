import OpenAI, { BadRequestError } from "openai";
import { createRunestoneClient } from "runestone/client";
import { describe, expect, it, vi } from "vitest";
import { BUILTIN_MODELS } from "../../src/catalog/builtin-models.js";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import { expectedEmbedding, openaiStream } from "../fake-upstream/index.js";
import { useTestGateway } from "../support/test-gateway.js";

/**
 * Embeddings through the gateway, driven by the real `openai` SDK (floats, and base64 that the SDK asks for and
 * decodes by itself), on the same pipeline as chat: routing (cost routing among embedding models), Anthropic's
 * clear refusal, usage and cost per tenant, the queue. Every response is checked against the spec.
 */

const KEY = "rsk_acme_embeddings_key";
const tg = useTestGateway({
  config: {
    routing: { retry: { max_attempts: 1 } },
    tenants: { acme: { api_keys: [hashApiKey(KEY)], max_concurrency: 1, overflow: "queue" } },
  },
});
const openai = () => new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: KEY, maxRetries: 0, fetch: tg.fetch });
const runestone = () => createRunestoneClient({ baseUrl: tg.url, apiKey: KEY, fetch: tg.fetch });

async function usageOf(model: string) {
  const { data } = await runestone().GET("/v1/usage", { params: { query: { period: "today" } } });
  return data?.by_model.find((m) => m.model === model) ?? { requests: 0, prompt_tokens: 0, cost_usd: 0 };
}

describe("embeddings through the OpenAI SDK", () => {
  it("as floats, one vector per input in input order", async () => {
    const { data, response } = await openai()
      .embeddings.create({
        model: "text-embedding-3-small",
        input: ["The food was delicious.", "The waiter was friendly."],
        encoding_format: "float",
      })
      .withResponse();
    expect(data.object).toBe("list");
    expect(data.model).toBe("text-embedding-3-small");
    expect(data.data.map((item) => item.index)).toEqual([0, 1]);
    expect(data.data[0]?.embedding).toEqual(expectedEmbedding("The food was delicious.", 1536));
    expect(data.data[1]?.embedding).toEqual(expectedEmbedding("The waiter was friendly.", 1536));
    expect(data.usage).toEqual({ prompt_tokens: 12, total_tokens: 12 });
    expect(response.headers.get("x-runestone-provider")).toBe("openai");
    expect(response.headers.get("x-runestone-model")).toBe("text-embedding-3-small");
    expect(data).not.toHaveProperty("provider");
    expect(tg.fake.requests.at(-1)?.body).toEqual({
      model: "text-embedding-3-small",
      input: ["The food was delicious.", "The waiter was friendly."],
      encoding_format: "float",
    });
  });

  it("as base64, which the SDK asks for by default and decodes", async () => {
    const data = await openai().embeddings.create({ model: "text-embedding-3-small", input: "hello", dimensions: 8 });
    expect(tg.fake.requests.at(-1)?.body).toMatchObject({ encoding_format: "base64", dimensions: 8 });
    // The float32 values, bit for bit: base64 carries them exactly.
    expect(Array.from(data.data[0]?.embedding ?? [])).toEqual(expectedEmbedding("hello", 8));
  });

  it("passes base64 through as the upstream sent it when the client asks for it", async () => {
    const response = await tg.post(
      "/v1/embeddings",
      {
        model: "text-embedding-3-large",
        input: [
          [1, 2, 3],
          [4, 5],
        ],
        encoding_format: "base64",
      },
      { authorization: `Bearer ${KEY}` },
    );
    const body = (await response.json()) as { data: { embedding: string }[]; usage: { prompt_tokens: number } };
    const vector = new Float32Array(Buffer.from(body.data[0]?.embedding ?? "", "base64").buffer.slice(0));
    expect(vector).toHaveLength(3072);
    expect(body.usage.prompt_tokens).toBe(5);
  });

  it("asks the upstream for floats when the request names no encoding", async () => {
    await tg.post(
      "/v1/embeddings",
      { model: "text-embedding-3-small", input: "x" },
      { authorization: `Bearer ${KEY}` },
    );
    expect(tg.fake.requests.at(-1)?.body).toEqual({
      model: "text-embedding-3-small",
      input: "x",
      encoding_format: "float",
    });
  });

  it("keeps Runestone's fields from the upstream", async () => {
    await tg.post(
      "/v1/embeddings",
      {
        model: "text-embedding-3-small",
        input: "x",
        request_id: "emb-1",
        provider: "openai",
        routing_policy: "default",
      },
      { authorization: `Bearer ${KEY}` },
    );
    expect(tg.fake.requests.at(-1)?.body).toEqual({
      model: "text-embedding-3-small",
      input: "x",
      encoding_format: "float",
    });
  });

  it("fills in what an OpenAI-compatible host leaves out, and accounts its estimate", async () => {
    // As some local hosts answer: no `object`s, no `index`, no `usage`.
    tg.fake.once("openai", { kind: "json", body: { data: [{ embedding: [0.6, 0.8] }], model: "nomic-embed-text" } });
    const before = await usageOf("nomic-embed-text");
    const data = await openai().embeddings.create({
      model: "nomic-embed-text",
      input: "x".repeat(40),
      encoding_format: "float",
    });
    expect(data).toEqual({
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.6, 0.8] }],
      model: "nomic-embed-text",
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
    const after = await usageOf("nomic-embed-text");
    expect(after.requests - before.requests).toBe(1);
    expect(after.prompt_tokens - before.prompt_tokens).toBe(10);
  });

  it("refuses embeddings from Anthropic with a clear 400, which the SDK raises", async () => {
    const failure = await openai()
      .embeddings.create({ model: "claude-haiku-4-5", input: "hello" })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(BadRequestError);
    expect((failure as BadRequestError).error).toMatchObject({
      code: "operation_not_supported",
      param: "model",
      message: expect.stringContaining("has no embeddings"),
    });
    expect(tg.fake.requests).toHaveLength(0);
  });

  it("passes the upstream's refusal on (dimensions on a model that cannot shorten its vectors)", async () => {
    await expect(
      openai().embeddings.create({ model: "text-embedding-ada-002", input: "x", dimensions: 8 }),
    ).rejects.toMatchObject({ status: 400, code: "upstream_invalid_request" });
  });
});

describe("routing embeddings", () => {
  it("by cost: the cheapest embedding model, never a chat model (no model named: the typed client)", async () => {
    const { response } = await runestone().POST("/v1/embeddings", { body: { input: "hello", routing_policy: "cost" } });
    expect(response.headers.get("x-runestone-model")).toBe("text-embedding-3-small");
    expect(response.headers.get("x-runestone-routing-policy")).toBe("cost");
  });

  it("by cost within a price cap, or refused naming the cap", async () => {
    const capped = await tg.post(
      "/v1/embeddings",
      { input: "hello", routing_policy: "cost", max_cost_per_token: 0.00000001 },
      { authorization: `Bearer ${KEY}` },
    );
    expect(capped.status).toBe(400);
    expect(await capped.json()).toMatchObject({ error: { code: "no_eligible_model", param: "max_cost_per_token" } });
  });

  it("refuses a chat model for embeddings under cost routing", async () => {
    const response = await tg.post(
      "/v1/embeddings",
      { model: "gpt-4o-mini", input: "hello", routing_policy: "cost" },
      { authorization: `Bearer ${KEY}` },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: "no_eligible_model", message: expect.stringContaining("capability 'embeddings'") },
    });
  });

  it("never picks an embedding model for chat under cost routing", async () => {
    const response = await tg.post(
      "/v1/chat/completions",
      { messages: [{ role: "user", content: "hi" }], routing_policy: "cost" },
      { authorization: `Bearer ${KEY}` },
    );
    expect(response.status).toBe(200);
    const model = response.headers.get("x-runestone-model") ?? "";
    expect(BUILTIN_MODELS.find((m) => m.id === model)?.capabilities).toContain("chat");
    await response.text();
  });
});

describe("usage and the queue", () => {
  it("counts the input tokens and their cost to the tenant", async () => {
    const before = await usageOf("text-embedding-3-large");
    const data = await openai().embeddings.create({ model: "text-embedding-3-large", input: "x".repeat(400) });
    const after = await usageOf("text-embedding-3-large");
    expect(data.usage.prompt_tokens).toBe(100);
    expect(after.requests - before.requests).toBe(1);
    expect(after.cost_usd - before.cost_usd).toBeCloseTo((100 * 0.13) / 1e6, 12);
  });

  it("queues an embeddings request over the limit as a job whose result is the list", async () => {
    tg.fake.once("openai", { kind: "sse", events: openaiStream({ content: "a long answer" }), hangAfterEvents: 2 });
    const controller = new AbortController();
    const held = await fetch(`${tg.url}/v1/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hold" }] }),
      signal: controller.signal,
    });
    await held.body?.getReader().read();

    const { data: queued, response } = await runestone().POST("/v1/embeddings", {
      body: { model: "text-embedding-3-small", input: "later", encoding_format: "float" },
    });
    expect(response.status).toBe(202);
    const jobId = (queued as { job_id: string }).job_id;
    controller.abort();
    const get = () => runestone().GET("/v1/jobs/{job_id}", { params: { path: { job_id: jobId }, query: {} } });
    await vi.waitFor(async () => expect((await get()).data?.status).toBe("succeeded"), { timeout: 5000, interval: 50 });
    const { data: job } = await get();
    expect(job?.operation).toBe("embeddings");
    expect(job?.result).toMatchObject({ object: "list", model: "text-embedding-3-small" });
    expect(job?.result && "data" in job.result && job.result.data[0]?.embedding).toEqual(
      expectedEmbedding("later", 1536),
    );
  });
});
