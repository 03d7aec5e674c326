import Anthropic, {
  APIError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import type { MessageParam, Tool } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import {
  anthropicMessage,
  anthropicStream,
  anthropicStreamError,
  openaiCompletion,
  openaiStream,
  openaiStreamError,
  type Scenario,
} from "../fake-upstream/index.js";
import { parseSse } from "../support/sse.js";
import { useTestGateway } from "../support/test-gateway.js";

/**
 * Anthropic's Messages API through the gateway, driven by the real `@anthropic-ai/sdk`, against a Claude model
 * (forwarded as it is) and an OpenAI model (translated both ways), both on the fake upstream. Every response is
 * checked against the spec.
 */

const tg = useTestGateway({ config: { routing: { retry: { max_attempts: 1 } } } });

const client = (headers: Record<string, string> = {}) =>
  new Anthropic({
    baseURL: tg.url,
    apiKey: "sk-client",
    maxRetries: 0,
    fetch: tg.contract.fetch,
    defaultHeaders: headers,
  });

const WEATHER_TOOL: Tool = {
  name: "get_weather",
  description: "The current weather in a city",
  input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
};
const PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const hello: MessageParam[] = [{ role: "user", content: "Hello" }];

interface Target {
  model: string;
  provider: "anthropic" | "openai";
  /** The upstream's answer with these tool calls (two for parallel calls). */
  toolCalls(stream: boolean, calls: { id: string; name: string; input: Record<string, unknown> }[]): Scenario;
  /** A stream that fails after its first events. */
  failingStream(): Scenario;
}

const claude: Target = {
  model: "claude-haiku-4-5",
  provider: "anthropic",
  toolCalls: (stream, calls) => {
    const options = { model: "claude-haiku-4-5", toolUses: calls, usage: { input_tokens: 40 } };
    return stream
      ? { kind: "sse", events: anthropicStream(options) }
      : { kind: "json", body: anthropicMessage(options) };
  },
  failingStream: () => ({
    kind: "sse",
    events: [...anthropicStream({ text: "Once upon a time" }).slice(0, 4), anthropicStreamError()],
  }),
};

const gpt: Target = {
  model: "gpt-4o-mini",
  provider: "openai",
  toolCalls: (stream, calls) => {
    const options = {
      model: "gpt-4o-mini",
      toolCalls: calls.map(({ id, name, input }) => ({ id, name, arguments: input })),
      includeUsage: true,
    };
    return stream ? { kind: "sse", events: openaiStream(options) } : { kind: "json", body: openaiCompletion(options) };
  },
  failingStream: () => ({
    kind: "sse",
    events: [...openaiStream({ content: "Once upon a time" }).slice(0, 3), openaiStreamError()],
  }),
};

describe.each([claude, gpt])("the Anthropic SDK on $model", (target) => {
  const { model, provider } = target;

  it("gets a plain Message, Runestone's metadata in headers only", async () => {
    const { data, response } = await client()
      .messages.create({ model, max_tokens: 256, messages: hello })
      .withResponse();
    expect(data).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "echo: Hello" }],
      stop_reason: "end_turn",
      stop_sequence: null,
    });
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    expect(data).not.toHaveProperty("provider");
    expect(data).not.toHaveProperty("request_id");
    expect(response.headers.get("x-runestone-provider")).toBe(provider);
    expect(response.headers.get("x-runestone-model")).toBe(model);
    expect(response.headers.get("x-runestone-routing-policy")).toBe("default");
    expect(tg.fake.requests.at(-1)?.provider).toBe(provider);
  });

  it("streams a Message that the SDK's MessageStream assembles", async () => {
    const stream = client().messages.stream({ model, max_tokens: 256, messages: [{ role: "user", content: "Hi" }] });
    const types: string[] = [];
    stream.on("streamEvent", (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: "text", text: "echo: Hi" })]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(types[0]).toBe("message_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
  });

  it("frames the stream as Anthropic does: event names, a ping after message_start", async () => {
    const response = await tg.post("/v1/messages", { model, max_tokens: 64, stream: true, messages: hello });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("x-runestone-provider")).toBe(provider);
    const events = parseSse(await response.text());
    expect(events.map((e) => e.event).slice(0, 3)).toEqual(["message_start", "ping", "content_block_start"]);
    expect(events.at(-1)?.event).toBe("message_stop");
    for (const { event, data } of events) expect((JSON.parse(data) as { type: string }).type).toBe(event);
  });

  it("does a tool round trip", async () => {
    const messages: MessageParam[] = [{ role: "user", content: "What is the weather in Paris?" }];
    const first = await client().messages.create({ model, max_tokens: 256, messages, tools: [WEATHER_TOOL] });
    const call = first.content.find((block) => block.type === "tool_use");
    expect(first.stop_reason).toBe("tool_use");
    expect(call).toMatchObject({ type: "tool_use", name: "get_weather", input: { location: "Paris" } });
    if (call?.type !== "tool_use") throw new Error("expected a tool_use block");
    messages.push(
      { role: "assistant", content: first.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "12 °C, cloudy" }] },
    );
    const second = await client().messages.create({ model, max_tokens: 256, messages, tools: [WEATHER_TOOL] });
    expect(second.stop_reason).toBe("end_turn");
    expect(second.content).toEqual([
      expect.objectContaining({ type: "text", text: "echo: What is the weather in Paris?" }),
    ]);
  });

  it.each([false, true])("gets parallel tool calls as separate blocks, ids kept (stream: %s)", async (stream) => {
    const calls = [
      { id: "call_paris_1", name: "get_weather", input: { location: "Paris" } },
      { id: "call_oslo_2", name: "get_weather", input: { location: "Oslo" } },
    ];
    tg.fake.once(provider, target.toolCalls(stream, calls));
    const params = { model, max_tokens: 256, messages: hello, tools: [WEATHER_TOOL] };
    const starts: [number, string][] = [];
    const message = stream
      ? await client()
          .messages.stream(params)
          .on("streamEvent", (event) => {
            if (event.type === "content_block_start") starts.push([event.index, event.content_block.type]);
          })
          .finalMessage()
      : await client().messages.create(params);
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content.map((block) => block.type === "tool_use" && [block.id, block.input])).toEqual([
      ["call_paris_1", { location: "Paris" }],
      ["call_oslo_2", { location: "Oslo" }],
    ]);
    if (stream)
      expect(starts).toEqual([
        [0, "tool_use"],
        [1, "tool_use"],
      ]);
  });

  it("sends an image along", async () => {
    const message = await client().messages.create({
      model,
      max_tokens: 256,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: PIXEL_PNG } },
            { type: "text", text: "What is this?" },
          ],
        },
      ],
    });
    expect(message.content).toEqual([
      expect.objectContaining({ type: "text", text: "echo: What is this? [1 image(s)]" }),
    ]);
  });

  it("ends a stream that fails after its first events with an error event, which the SDK raises", async () => {
    tg.fake.once(provider, target.failingStream());
    const failure = await client()
      .messages.stream({ model, max_tokens: 256, messages: hello })
      .finalMessage()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).type).toBe(provider === "anthropic" ? "overloaded_error" : "api_error");
  });

  it.each([
    [429, RateLimitError, "rate_limit_error"],
    [500, InternalServerError, "api_error"],
    [404, NotFoundError, "not_found_error"],
  ] as const)("raises the SDK's own class for an upstream %i", async (status, errorClass, type) => {
    tg.fake.once(provider, { kind: "error", status });
    const failure = await client()
      .messages.create({ model, max_tokens: 256, messages: hello })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(errorClass);
    expect((failure as APIError).error).toMatchObject({ type: "error", error: { type } });
  });

  it("raises BadRequestError for a request the spec refuses, naming the field", async () => {
    const failure = await client()
      .messages.create({ model, max_tokens: -1, messages: hello })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(BadRequestError);
    expect((failure as APIError).error).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringMatching(/^max_tokens/) },
    });
    expect(tg.fake.requests).toHaveLength(0);
  });
});

describe("to Claude, the request goes as it is", () => {
  it("less Runestone's fields, with the client's anthropic-version and anthropic-beta", async () => {
    const response = await tg.post(
      "/v1/messages",
      {
        model: "claude-haiku-4-5",
        max_tokens: 1024,
        messages: hello,
        thinking: { type: "enabled", budget_tokens: 512 },
        metadata: { user_id: "user-7" },
        provider: "anthropic",
        routing_policy: "default",
        request_id: "mine-1",
      },
      { "anthropic-version": "2023-06-01", "anthropic-beta": "prompt-caching-2024-07-31", "x-api-key": "ignored" },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("mine-1");
    const upstream = tg.fake.requests.at(-1);
    expect(upstream?.body).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: 1024,
      messages: hello,
      thinking: { type: "enabled", budget_tokens: 512 },
      metadata: { user_id: "user-7" },
    });
    expect(upstream?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(upstream?.headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31");
  });

  it("passes Claude's own blocks and fields, which only Claude reads", async () => {
    const message = await client().messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 64,
      messages: [
        {
          role: "user",
          content: [
            {
              type: "document",
              source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" },
              citations: { enabled: true },
            },
            { type: "text", text: "Summarise" },
          ],
        },
      ],
    });
    expect(message.content).toEqual([expect.objectContaining({ text: "echo: Summarise" })]);
    expect(JSON.stringify(tg.fake.requests.at(-1)?.body)).toContain('"application/pdf"');
  });
});

describe("to another model, the request is translated", () => {
  it("to a chat completion", async () => {
    await client().messages.create({
      model: "gpt-4o-mini",
      max_tokens: 300,
      system: "Be brief.",
      stop_sequences: ["END"],
      messages: hello,
    });
    expect(tg.fake.requests.at(-1)?.body).toEqual({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello" },
      ],
      max_completion_tokens: 300,
      stop: ["END"],
      stream: false,
    });
  });

  it.each([
    [
      "a PDF",
      {
        messages: [
          {
            role: "user",
            content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" } }],
          },
        ],
      },
      /^messages\.0\.content\.0\.source: /,
    ],
    ["a field it does not know", { messages: hello, future_field: true }, /^future_field: /],
    ["a server tool", { messages: hello, tools: [{ type: "web_search_20250305", name: "web_search" }] }, /^tools\.0: /],
  ])("and refuses %s with a 400 that names the field", async (_what, fields, message) => {
    const response = await tg.post("/v1/messages", { model: "gpt-4o-mini", max_tokens: 64, ...fields });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringMatching(message) },
    });
    expect(tg.fake.requests).toHaveLength(0);
  });
});
