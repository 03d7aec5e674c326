import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/errors/gateway-error.js";
import { createAnthropicProvider, type AnthropicProviderOptions } from "../../../src/providers/anthropic/client.js";
import { createStreamTransformer } from "../../../src/providers/anthropic/stream-transformer.js";
import { toAnthropicRequest } from "../../../src/providers/anthropic/to-anthropic-request.js";
import { ClientAbortedError } from "../../../src/errors/client-aborted.js";
import type {
  ChatEvent,
  ChatProvider,
  ChatRequest,
  Completion,
  CompletionChunk,
} from "../../../src/providers/types.js";
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
    connectTimeoutMs: 10_000,
    // created is the whole seconds of now().
    now: () => CREATED * 1000 + 999,
    ...options,
  });
}

function call(request: ChatRequest = REQUEST, signal: AbortSignal = new AbortController().signal) {
  return { request, model: MODEL, signal };
}

type Call = ReturnType<typeof call>;

/** The plain answer: the completion of the provider's events. */
async function complete(anthropic: ChatProvider, plain: Call): Promise<Completion> {
  for await (const event of anthropic.chat({ ...plain, stream: false }))
    if (event.type === "completion") return event.completion;
  throw new Error("no completion event");
}

function stream(anthropic: ChatProvider, streamed: Call): AsyncIterable<ChatEvent> {
  return anthropic.chat({ ...streamed, stream: true });
}

interface Events {
  events: ChatEvent[];
  error?: Replay["error"];
}

async function collect(events: AsyncIterable<ChatEvent>): Promise<Events> {
  const seen: ChatEvent[] = [];
  try {
    for await (const event of events) seen.push(event);
  } catch (err) {
    if (err instanceof GatewayError) return { events: seen, error: errorFields(err) };
    throw err;
  }
  return { events: seen };
}

/**
 * The events a streamed answer must give, from the OpenAI chunks the pure transformer gives for it (the fixture):
 * chunks with choices are deltas, the usage chunk is the usage, and a stream that finished ends with `end`.
 */
function expectedEvents(replay: Replay): Events {
  const events: ChatEvent[] = [];
  let finishReason: CompletionChunk["choices"][number]["finish_reason"] = null;
  for (const chunk of replay.chunks) {
    if (chunk.usage) events.push({ type: "usage", usage: chunk.usage });
    else events.push({ type: "delta", chunk });
    finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
  }
  if (replay.error) return { events, error: replay.error };
  if (finishReason === null) throw new Error("the fixture never finishes");
  return { events: [...events, { type: "end", finishReason }] };
}

function expectedFixtureEvents(name: string): Events {
  return expectedEvents(readAnthropicJson(`${name}.chunks.expected.json`) as Replay);
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
    const completion = await complete(provider(), call());
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
    const completion = await complete(provider(), call(JSON_REQUEST));
    expect(completion).toEqual(readAnthropicJson("json-schema.completion.expected.json"));
  });

  it("reuses its one client for every request", async () => {
    const anthropic = provider();
    server.reply({ kind: "json", fixture: "text" }, { kind: "json", fixture: "tool" });
    await complete(anthropic, call());
    expect(await complete(anthropic, call())).toEqual(readAnthropicJson("tool.completion.expected.json"));
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
    expect(await collect(stream(provider(), call(request)))).toEqual(expectedFixtureEvents(name));
  });

  it("sends the translated request with stream: true", async () => {
    server.reply({ kind: "sse", fixture: "text" });
    await collect(stream(provider(), call()));
    expect(server.requests[0]?.body).toEqual({
      ...toAnthropicRequest(REQUEST, { model: MODEL, defaultMaxTokens: 1024 }),
      stream: true,
    });
  });

  it("copes with events split across network writes", async () => {
    server.reply({ kind: "sse", fixture: "parallel-two-tools", pieceSize: 7 });
    expect(await collect(stream(provider(), call()))).toEqual(expectedFixtureEvents("parallel-two-tools"));
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
    const overHttp = await collect(stream(provider(), call()));
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
    const fromComplete = await rejection(complete(provider(), call()));
    const fromStream = await collect(stream(provider(), call()));
    expect(fromComplete).toBeInstanceOf(GatewayError);
    expect(errorFields(fromComplete as GatewayError)).toMatchObject({
      ...expected,
      message: `Provider 'anthropic' answered ${status}: ${message}`,
    });
    expect(fromStream).toEqual({ events: [], error: errorFields(fromComplete as GatewayError) });
  });

  it("passes retry-after on", async () => {
    server.reply({
      kind: "json",
      status: 429,
      headers: { "retry-after": "7" },
      body: { type: "error", error: { type: "rate_limit_error", message: "Slow down" } },
    });
    const error = await rejection(complete(provider(), call()));
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
    await rejection(complete(provider(), call()));
    expect(server.requests).toHaveLength(1);
  });

  it("times out with a 504 after timeoutMs", async () => {
    const fresh = new ReplayServer();
    const url = await fresh.start();
    fresh.reply({ kind: "silent" });
    try {
      const error = await rejection(complete(provider({ baseURL: url, timeoutMs: 150 }), call()));
      expect(error).toMatchObject({ status: 504, code: "upstream_timeout" });
    } finally {
      await fresh.close();
    }
  });

  it("reports an unreachable upstream as 502", async () => {
    const gone = new ReplayServer();
    const url = await gone.start();
    await gone.close();
    const error = await rejection(complete(provider({ baseURL: url }), call()));
    expect(error).toMatchObject({ status: 502, code: "upstream_unreachable" });
    expect(await collect(stream(provider({ baseURL: url }), call()))).toMatchObject({
      events: [],
      error: { status: 502, code: "upstream_unreachable" },
    });
  });

  it("refuses an untranslatable request before sending anything", async () => {
    const error = await rejection(complete(provider(), call({ ...REQUEST, n: 2 })));
    expect(error).toMatchObject({ status: 400, param: "n" });
    expect(await collect(stream(provider(), call({ ...REQUEST, n: 2 })))).toMatchObject({
      events: [],
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
          for await (const event of stream(provider({ baseURL: url }), call(REQUEST, controller.signal))) {
            if (event.type === "delta") seen.push(event.chunk);
            if (seen.length === 2) controller.abort(new ClientAbortedError());
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
      const pending = rejection(complete(provider({ baseURL: url }), call(REQUEST, controller.signal)));
      setTimeout(() => controller.abort(new ClientAbortedError()), 50);
      expect(await pending).toBeInstanceOf(ClientAbortedError);

      const gone = new AbortController();
      gone.abort(new ClientAbortedError());
      expect(await rejection(complete(provider({ baseURL: url }), call(REQUEST, gone.signal)))).toBeInstanceOf(
        ClientAbortedError,
      );
      expect(await rejection(collect(stream(provider({ baseURL: url }), call(REQUEST, gone.signal))))).toBeInstanceOf(
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
      for await (const event of stream(provider({ baseURL: url }), call())) {
        expect(event).toMatchObject({
          type: "delta",
          chunk: { choices: [{ delta: { role: "assistant", content: "" } }] },
        });
        break;
      }
      await expect.poll(() => fresh.requests[0]?.hungUp).toBe(true);
    } finally {
      await fresh.close();
    }
  });
});
