import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/errors.js";
import { createAnthropicProvider, type AnthropicProviderOptions } from "../../../src/providers/anthropic/client.js";
import { createStreamTransformer } from "../../../src/providers/anthropic/stream-transformer.js";
import { toAnthropicRequest } from "../../../src/providers/anthropic/to-anthropic-request.js";
import type { ChatProvider, ChatRequest, CompletionChunk } from "../../../src/providers/types.js";
import { ClientAbortedError } from "../../../src/providers/upstream-error.js";
import { readAnthropicJson } from "../../support/anthropic-fixtures.js";
import { providerSchema } from "../../../src/config/schema.js";
import { CREATED, errorFields, type Replay } from "./replay.js";
import { ReplayServer } from "./replay-server.js";

const API_KEY = "sk-ant-test-key";
/** A provider's timeout_ms when the config sets none. */
const DEFAULT_TIMEOUT_MS = providerSchema.parse({}).timeout_ms;
const MODEL = "claude-sonnet-5-5";
const REQUEST: ChatRequest = {
  model: "anthropic/sonnet",
  provider: "anthropic",
  tenant_id: "acme",
  request_id: "req-42",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hello" },
  ],
};
const JSON_REQUEST: ChatRequest = {
  ...REQUEST,
  response_format: { type: "json_schema", json_schema: { name: "weather_report", schema: { type: "object" } } },
};

const server = new ReplayServer();
let baseURL = "";

beforeAll(async () => {
  baseURL = await server.start();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.reset();
});

function provider(options: Partial<AnthropicProviderOptions> = {}): ChatProvider {
  return createAnthropicProvider({
    name: "anthropic",
    apiKey: API_KEY,
    baseURL,
    defaultMaxTokens: 1024,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    // created is the whole seconds of now().
    now: () => CREATED * 1000 + 999,
    ...options,
  });
}

function call(request: ChatRequest = REQUEST, signal: AbortSignal = new AbortController().signal) {
  return { request, model: MODEL, signal };
}

async function collect(stream: AsyncIterable<CompletionChunk>): Promise<Replay> {
  const chunks: CompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (err) {
    if (err instanceof GatewayError) return { chunks, error: errorFields(err) };
    throw err;
  }
  return { chunks };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

describe("complete() over HTTP", () => {
  it("sends the translated request and translates the answer", async () => {
    server.reply({ kind: "json", fixture: "text" });
    const completion = await provider().complete(call());
    expect(completion).toEqual(readAnthropicJson("text.completion.expected.json"));

    const [sent] = server.requests;
    expect(sent?.method).toBe("POST");
    expect(sent?.url).toBe("/v1/messages");
    expect(sent?.body).toEqual(toAnthropicRequest(REQUEST, { model: MODEL, defaultMaxTokens: 1024 }));
    expect(sent?.headers["x-api-key"] ?? sent?.headers.authorization).toContain(API_KEY);
    expect(sent?.headers["anthropic-version"]).toBeDefined();
  });

  it("turns the JSON response_format tool into content", async () => {
    server.reply({ kind: "json", fixture: "json-schema" });
    const completion = await provider().complete(call(JSON_REQUEST));
    expect(completion).toEqual(readAnthropicJson("json-schema.completion.expected.json"));
  });

  it("reuses its one client for every request", async () => {
    const anthropic = provider();
    server.reply({ kind: "json", fixture: "text" }, { kind: "json", fixture: "tool" });
    await anthropic.complete(call());
    expect(await anthropic.complete(call())).toEqual(readAnthropicJson("tool.completion.expected.json"));
    expect(server.requests).toHaveLength(2);
  });
});

describe("stream() over HTTP", () => {
  const FIXTURES: [name: string, request: ChatRequest][] = [
    ["text", REQUEST],
    ["tool", REQUEST],
    ["text-then-tool-no-args", REQUEST],
    ["refusal", REQUEST],
    ["parallel-two-tools", REQUEST],
    ["parallel-three-tools-interleaved", REQUEST],
    ["max-tokens-mid-tool", REQUEST],
    ["pause-turn", REQUEST],
    ["cache-usage", REQUEST],
    ["ping-everywhere", REQUEST],
    ["json-schema", JSON_REQUEST],
    ["thinking", REQUEST],
    ["error-mid-stream", REQUEST],
    ["truncated", REQUEST],
  ];

  it.each(FIXTURES)("gives for %s.sse what the pure transformer gives", async (name, request) => {
    server.reply({ kind: "sse", fixture: name });
    expect(await collect(provider().stream(call(request)))).toEqual(readAnthropicJson(`${name}.chunks.expected.json`));
  });

  it("sends the translated request with stream: true", async () => {
    server.reply({ kind: "sse", fixture: "text" });
    await collect(provider().stream(call()));
    expect(server.requests[0]?.body).toEqual({
      ...toAnthropicRequest(REQUEST, { model: MODEL, defaultMaxTokens: 1024 }),
      stream: true,
    });
  });

  it("copes with events split across network writes", async () => {
    server.reply({ kind: "sse", fixture: "parallel-two-tools", pieceSize: 7 });
    expect(await collect(provider().stream(call()))).toEqual(
      readAnthropicJson("parallel-two-tools.chunks.expected.json"),
    );
  });

  it("throws for a mid-stream error event what the pure transformer throws", async () => {
    const transformer = createStreamTransformer({ created: CREATED });
    let pure: unknown;
    try {
      transformer.push({
        type: "message_start",
        message: { id: "m", model: "x", usage: { input_tokens: 1, output_tokens: 1 } },
      } as never);
      transformer.push({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    } catch (err) {
      pure = err;
    }
    server.reply({ kind: "sse", fixture: "error-mid-stream" });
    const overHttp = await collect(provider().stream(call()));
    expect(overHttp.error).toEqual(errorFields(pure as GatewayError));
    expect(overHttp.error).toMatchObject({ status: 503, type: "service_error", code: "provider_overloaded" });
  });
});

describe("upstream errors", () => {
  const ERRORS = [
    {
      status: 529,
      type: "overloaded_error",
      message: "Overloaded",
      expected: { status: 503, type: "service_error", code: "provider_overloaded" },
    },
    {
      status: 400,
      type: "invalid_request_error",
      message: "messages: text content blocks must be non-empty",
      expected: { status: 400, type: "invalid_request_error", code: "upstream_invalid_request" },
    },
    {
      status: 401,
      type: "authentication_error",
      message: "invalid x-api-key",
      expected: { status: 401, type: "authentication_error", code: "upstream_authentication_failed" },
    },
    {
      status: 404,
      type: "not_found_error",
      message: "model: claude-nope",
      expected: { status: 404, type: "not_found_error", code: "model_not_found" },
    },
    {
      status: 500,
      type: "api_error",
      message: "Internal server error",
      expected: { status: 502, type: "service_error", code: "upstream_error" },
    },
  ];

  it.each(ERRORS)("maps $status $type, for complete() and stream()", async ({ status, type, message, expected }) => {
    const body = { type: "error", error: { type, message }, request_id: "req_011" };
    server.reply({ kind: "json", status, body }, { kind: "json", status, body });
    const fromComplete = await rejection(provider().complete(call()));
    const fromStream = await collect(provider().stream(call()));
    expect(fromComplete).toBeInstanceOf(GatewayError);
    expect(errorFields(fromComplete as GatewayError)).toMatchObject({
      ...expected,
      message: `Provider 'anthropic' answered ${status}: ${message}`,
    });
    expect(fromStream).toEqual({ chunks: [], error: errorFields(fromComplete as GatewayError) });
  });

  it("passes retry-after on", async () => {
    server.reply({
      kind: "json",
      status: 429,
      headers: { "retry-after": "7" },
      body: { type: "error", error: { type: "rate_limit_error", message: "Slow down" } },
    });
    const error = await rejection(provider().complete(call()));
    expect(error).toMatchObject({ status: 429, code: "upstream_rate_limited", retryAfter: "7" });
  });

  it("does not retry", async () => {
    server.reply(
      {
        kind: "json",
        status: 529,
        body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      },
      { kind: "json", fixture: "text" },
    );
    await rejection(provider().complete(call()));
    expect(server.requests).toHaveLength(1);
  });

  it("times out with a 504 after timeoutMs", async () => {
    const fresh = new ReplayServer();
    const url = await fresh.start();
    fresh.reply({ kind: "silent" });
    try {
      const error = await rejection(provider({ baseURL: url, timeoutMs: 150 }).complete(call()));
      expect(error).toMatchObject({ status: 504, code: "upstream_timeout" });
    } finally {
      await fresh.close();
    }
  });

  it("reports an unreachable upstream as 502", async () => {
    const gone = new ReplayServer();
    const url = await gone.start();
    await gone.close();
    const error = await rejection(provider({ baseURL: url }).complete(call()));
    expect(error).toMatchObject({ status: 502, code: "upstream_unreachable" });
    expect(await collect(provider({ baseURL: url }).stream(call()))).toMatchObject({
      chunks: [],
      error: { status: 502, code: "upstream_unreachable" },
    });
  });

  it("refuses an untranslatable request before sending anything", async () => {
    const error = await rejection(provider().complete(call({ ...REQUEST, n: 2 })));
    expect(error).toMatchObject({ status: 400, param: "n" });
    expect(await collect(provider().stream(call({ ...REQUEST, n: 2 })))).toMatchObject({
      chunks: [],
      error: { status: 400, param: "n" },
    });
    expect(server.requests).toHaveLength(0);
  });
});

describe("client aborts", () => {
  it("throws ClientAbortedError, not a clean end, when the client leaves mid-stream", async () => {
    const fresh = new ReplayServer();
    const url = await fresh.start();
    fresh.reply({ kind: "sse", fixture: "text", hangAfterEvents: 4 });
    const controller = new AbortController();
    const seen: CompletionChunk[] = [];
    try {
      const error = await rejection(
        (async () => {
          for await (const chunk of provider({ baseURL: url }).stream(call(REQUEST, controller.signal))) {
            seen.push(chunk);
            if (seen.length === 2) controller.abort();
          }
        })(),
      );
      expect(error).toBeInstanceOf(ClientAbortedError);
      expect(seen.map((chunk) => chunk.choices[0]?.delta)).toEqual([
        { role: "assistant", content: "" },
        { content: "Hello" },
      ]);
    } finally {
      await fresh.close();
    }
  });

  it("throws ClientAbortedError when the client left before the answer", async () => {
    const fresh = new ReplayServer();
    const url = await fresh.start();
    fresh.reply({ kind: "silent" }, { kind: "silent" });
    try {
      const controller = new AbortController();
      const pending = rejection(provider({ baseURL: url }).complete(call(REQUEST, controller.signal)));
      setTimeout(() => controller.abort(), 50);
      expect(await pending).toBeInstanceOf(ClientAbortedError);

      const gone = new AbortController();
      gone.abort();
      expect(await rejection(provider({ baseURL: url }).complete(call(REQUEST, gone.signal)))).toBeInstanceOf(
        ClientAbortedError,
      );
      expect(await rejection(collect(provider({ baseURL: url }).stream(call(REQUEST, gone.signal))))).toBeInstanceOf(
        ClientAbortedError,
      );
    } finally {
      await fresh.close();
    }
  });

  it("stops reading the upstream when the consumer stops early", async () => {
    const fresh = new ReplayServer();
    const url = await fresh.start();
    fresh.reply({ kind: "sse", fixture: "text", hangAfterEvents: 4 });
    try {
      for await (const chunk of provider({ baseURL: url }).stream(call())) {
        expect(chunk.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
        break;
      }
      await expect.poll(() => fresh.requests[0]?.hungUp).toBe(true);
    } finally {
      await fresh.close();
    }
  });
});
