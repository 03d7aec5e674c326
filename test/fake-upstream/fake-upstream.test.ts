import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import {
  anthropicMessage,
  anthropicStream,
  anthropicStreamError,
  openaiCompletion,
  openaiStream,
  startFakeUpstream,
  type FakeUpstream,
  type SseEvent,
} from "./index.js";
import { ANTHROPIC_COUNT_TOKENS_PARAMS, ANTHROPIC_MESSAGES_PARAMS } from "./anthropic-request-params.js";
import { OPENAI_CHAT_PARAMS } from "./openai-chat-params.js";
import { expectedEmbedding } from "./openai-embeddings.js";

const weatherToolForOpenAi: OpenAI.ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
};
const weatherToolForAnthropic: Anthropic.Tool = {
  name: "get_weather",
  input_schema: { type: "object", properties: { location: { type: "string" } } },
};

let fake: FakeUpstream;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  fake = await startFakeUpstream();
  openai = new OpenAI({ baseURL: fake.openaiBaseURL, apiKey: "k", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: fake.anthropicBaseURL, apiKey: "k", maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

/** Raw wire access, for what the SDKs hide or refuse to send. */
function post(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}
/** Raw requests name API version 2023-06-01, the one that still took temperature (checked in 0..1). */
const anthropicHeaders = { "x-api-key": "k", "anthropic-version": "2023-06-01" };

function userSays(text: string): [{ role: "user"; content: string }] {
  return [{ role: "user", content: text }];
}

/** Parses an SSE body into its events; `data` stays a string. */
function parseSse(text: string): { event: string | undefined; data: string }[] {
  return text
    .split("\n\n")
    .filter((frame) => frame !== "")
    .map((frame) => {
      const lines = frame.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice("event: ".length);
      const data = lines.find((line) => line.startsWith("data: "))?.slice("data: ".length) ?? "";
      return { event, data };
    });
}

describe("OpenAI chat completions", () => {
  it("echoes the last user message as a real chat.completion", async () => {
    const completion = await openai.chat.completions.create({
      model: "gpt-test",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hello there" },
      ],
    });

    expect(completion).toMatchObject({
      object: "chat.completion",
      model: "gpt-test",
      service_tier: "default",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "echo: hello there", refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }, // ceil(20 prompt chars / 4), 3 words
    });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.system_fingerprint).toMatch(/^fp_/);
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(0);
  });

  it("streams chunks the SDK accumulates, with a usage chunk when include_usage is set", async () => {
    const stream = openai.chat.completions.stream({
      model: "gpt-test",
      messages: [{ role: "user", content: "stream me" }],
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    stream.on("chunk", (chunk) => chunks.push(chunk));
    const completion = await stream.finalChatCompletion();

    expect(completion.choices[0]?.message.content).toBe("echo: stream me");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "", refusal: null });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
  });

  it("sends no usage field at all without include_usage, and ends with [DONE]", async () => {
    const response = await post(
      "/v1/chat/completions",
      { model: "gpt-test", stream: true, messages: userSays("x") },
      { authorization: "Bearer k" },
    );
    const events = parseSse(await response.text());

    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(events.at(-1)).toEqual({ event: undefined, data: "[DONE]" });
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data) as Record<string, unknown>);
    expect(chunks.every((chunk) => !("usage" in chunk) && chunk.object === "chat.completion.chunk")).toBe(true);
  });

  it("calls the first tool when asked about the weather, then echoes after the tool result", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "what is the weather?" }];
    const toolTurn = await openai.chat.completions
      .stream({ model: "gpt-test", messages, tools: [weatherToolForOpenAi] })
      .finalChatCompletion();
    const call = toolTurn.choices[0]?.message.tool_calls?.[0];

    expect(toolTurn.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function.name).toBe("get_weather");
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
    expect(call?.id).toMatch(/^call_/);

    const answer = await openai.chat.completions.create({
      model: "gpt-test",
      tools: [weatherToolForOpenAi],
      messages: [
        ...messages,
        toolTurn.choices[0]!.message as OpenAI.ChatCompletionAssistantMessageParam,
        { role: "tool", tool_call_id: call!.id, content: "sunny" },
      ],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: what is the weather?");
  });

  it("streams parallel tool calls with split arguments as the SDK expects them", async () => {
    fake.once("openai", {
      kind: "sse",
      events: openaiStream({
        content: "Let me check.",
        toolCalls: [
          { name: "a", arguments: { city: "Paris", days: 3 } },
          { name: "b", arguments: "{}" },
        ],
        splitArgsInto: 4,
      }),
    });
    const completion = await openai.chat.completions
      .stream({ model: "gpt-test", messages: userSays("x") })
      .finalChatCompletion();
    const calls = completion.choices[0]?.message.tool_calls ?? [];

    expect(completion.choices[0]?.message.content).toBe("Let me check.");
    expect(calls.map((call) => call.type === "function" && [call.function.name, call.function.arguments])).toEqual([
      ["a", '{"city":"Paris","days":3}'],
      ["b", "{}"],
    ]);
  });

  it("counts image parts of the last user message", async () => {
    const completion = await openai.chat.completions.create({
      model: "gpt-test",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
            { type: "image_url", image_url: { url: "https://example.com/a.png" } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe("echo: look [2 image(s)]");
  });

  it("serves scripted JSON bodies and GET /v1/models", async () => {
    fake.once("openai", { kind: "json", body: openaiCompletion({ content: "scripted", model: "m" }) });
    const completion = await openai.chat.completions.create({ model: "gpt-test", messages: userSays("x") });
    const models = await openai.models.list();

    expect(completion.choices[0]?.message.content).toBe("scripted");
    expect(models.data.map((model) => model.id)).toContain("gpt-4o-mini");
  });

  it("rejects a missing API key and a request without messages like the real API", async () => {
    const unauthenticated = await post("/v1/chat/completions", { model: "m", messages: [] }, {});
    const noMessages = await post("/v1/chat/completions", { model: "m" }, { authorization: "Bearer k" });

    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({ error: { type: "invalid_request_error", param: null } });
    expect(noMessages.status).toBe(400);
    expect(await noMessages.json()).toEqual({
      error: {
        message: "Missing required parameter: 'messages'.",
        type: "invalid_request_error",
        param: "messages",
        code: "missing_required_parameter",
      },
    });
  });

  it("refuses an unknown top-level field with the real API's 400, before the scripted answer", async () => {
    fake.once("openai", { kind: "json", body: openaiCompletion({ content: "never sent" }) });
    const response = await post(
      "/v1/chat/completions",
      { model: "gpt-test", messages: userSays("x"), callback_url: "https://example.com/hook" },
      { authorization: "Bearer k" },
    );

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: "Unrecognized request argument supplied: callback_url",
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
    const answer = await openai.chat.completions.create({ model: "gpt-test", messages: userSays("x") });
    expect(answer.choices[0]?.message.content).toBe("never sent");
  });

  it("names several unknown fields in one message, and the SDK raises it as a BadRequestError", async () => {
    const error = await openai.chat.completions
      .create({ model: "gpt-test", messages: userSays("x"), tenant_id: "acme", provider: "openai" } as never)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      error: { message: "Unrecognized request arguments supplied: provider, tenant_id", param: null, code: null },
    });
  });

  it("accepts every parameter of the SDK's chat completion params", async () => {
    const {
      model: _model,
      messages: _messages,
      ...rest
    } = Object.fromEntries(OPENAI_CHAT_PARAMS.map((param) => [param, null]));
    const response = await post(
      "/v1/chat/completions",
      { model: "gpt-test", messages: userSays("all of them"), ...rest },
      { authorization: "Bearer k" },
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ choices: [{ message: { content: "echo: all of them" } }] });
    expect(OPENAI_CHAT_PARAMS).toEqual(expect.arrayContaining(["store", "metadata", "reasoning_effort", "user"]));
  });

  it("turns scripted errors into the SDK error classes", async () => {
    fake.once("openai", { kind: "error", status: 429, retryAfter: "2" });
    const error = await openai.chat.completions
      .create({ model: "gpt-test", messages: userSays("x") })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: "rate_limit_exceeded", type: "requests" });
    const { headers, requestID } = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(headers.get("retry-after")).toBe("2");
    expect(requestID).toMatch(/^req_/);
  });
});

describe("Anthropic messages", () => {
  it("echoes the last user turn as a real Message", async () => {
    const message = await anthropic.messages.create({
      model: "claude-test",
      max_tokens: 100,
      system: "be brief",
      messages: [{ role: "user", content: [{ type: "text", text: "hello there" }] }],
    });

    expect(message).toMatchObject({
      model: "claude-test",
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "echo: hello there" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 3, cache_read_input_tokens: 0, service_tier: "standard" },
    });
    expect(message.id).toMatch(/^msg_01/);
  });

  it("streams events the SDK accumulator accepts", async () => {
    const message = await anthropic.messages
      .stream({ model: "claude-test", max_tokens: 100, messages: [{ role: "user", content: "stream me please" }] })
      .finalMessage();

    expect(message.content).toEqual([{ type: "text", text: "echo: stream me please" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage).toMatchObject({ input_tokens: 4, output_tokens: 4 });
  });

  it("frames the stream like the real wire: named events, pings, empty first input_json_delta", async () => {
    const response = await post(
      "/v1/messages",
      {
        model: "claude-test",
        max_tokens: 100,
        stream: true,
        tools: [weatherToolForAnthropic],
        messages: [{ role: "user", content: "weather in Paris?" }],
      },
      anthropicHeaders,
    );
    const events = parseSse(await response.text());
    const types = events.map((event) => event.event);

    expect(response.headers.get("request-id")).toMatch(/^req_/);
    expect(events.every((event) => (JSON.parse(event.data) as { type: string }).type === event.event)).toBe(true);
    expect(types[0]).toBe("message_start");
    expect(types).toContain("ping");
    expect(types.slice(-2)).toEqual(["message_delta", "message_stop"]);
    const inputDeltas = events
      .filter((event) => event.event === "content_block_delta")
      .map((event) => (JSON.parse(event.data) as { delta: { partial_json: string } }).delta.partial_json);
    expect(inputDeltas[0]).toBe("");
    expect(JSON.parse(inputDeltas.join(""))).toEqual({ location: "Paris" });
  });

  it("does a full tool round trip through the SDK", async () => {
    const question: Anthropic.MessageParam = { role: "user", content: "what is the weather?" };
    const toolTurn = await anthropic.messages
      .stream({ model: "claude-test", max_tokens: 100, tools: [weatherToolForAnthropic], messages: [question] })
      .finalMessage();
    const toolUse = toolTurn.content[0];

    expect(toolTurn.stop_reason).toBe("tool_use");
    expect(toolUse).toMatchObject({ type: "tool_use", name: "get_weather", input: { location: "Paris" } });
    if (toolUse?.type !== "tool_use") throw new Error("expected a tool_use block");

    const answer = await anthropic.messages.create({
      model: "claude-test",
      max_tokens: 100,
      tools: [weatherToolForAnthropic],
      messages: [
        question,
        { role: "assistant", content: toolTurn.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "sunny" }] },
      ],
    });
    expect(answer.content).toEqual([{ type: "text", text: "echo: what is the weather?" }]);
  });

  it("streams text then parallel tool uses split at arbitrary points", async () => {
    fake.once("anthropic", {
      kind: "sse",
      events: anthropicStream({
        text: "Checking both.",
        toolUses: [
          { name: "a", input: { city: "Paris", nested: { days: [1, 2] } } },
          { name: "b", input: {} },
        ],
        splitArgsInto: 7,
      }),
    });
    const message = await anthropic.messages
      .stream({ model: "claude-test", max_tokens: 100, messages: userSays("x") })
      .finalMessage();

    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toMatchObject([
      { type: "text", text: "Checking both." },
      { type: "tool_use", name: "a", input: { city: "Paris", nested: { days: [1, 2] } } },
      { type: "tool_use", name: "b", input: {} },
    ]);
  });

  it("streams a refusal with no content block at all", async () => {
    fake.once("anthropic", { kind: "sse", events: anthropicStream({ refusal: true }) });
    const message = await anthropic.messages
      .stream({ model: "claude-test", max_tokens: 100, messages: userSays("x") })
      .finalMessage();

    expect(message.content).toEqual([]);
    expect(message.stop_reason).toBe("refusal");
  });

  it("counts image blocks of the last user turn", async () => {
    const message = await anthropic.messages.create({
      model: "claude-test",
      max_tokens: 100,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
            { type: "text", text: "look" },
          ],
        },
      ],
    });
    expect(message.content).toEqual([{ type: "text", text: "echo: look [1 image(s)]" }]);
  });

  it("surfaces a mid-stream overloaded error as an SDK error", async () => {
    const events: SseEvent[] = [...anthropicStream({ text: "partial answer" }).slice(0, 3), anthropicStreamError()];
    fake.once("anthropic", { kind: "sse", events });
    const error = await anthropic.messages
      .stream({ model: "claude-test", max_tokens: 100, messages: userSays("x") })
      .finalMessage()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ type: "overloaded_error", message: expect.stringContaining("Overloaded") });
  });

  it("turns scripted errors into the SDK error classes with the real body", async () => {
    fake.once("anthropic", { kind: "error", status: 429, retryAfterMs: "10" });
    fake.once("anthropic", { kind: "error", status: 529 });
    const request = () =>
      anthropic.messages
        .create({ model: "claude-test", max_tokens: 10, messages: userSays("x") })
        .catch((caught: unknown) => caught);
    const rateLimited = await request();
    const overloaded = await request();

    expect(rateLimited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(rateLimited).toMatchObject({ status: 429, type: "rate_limit_error" });
    const { requestID, error: body, headers } = rateLimited as InstanceType<typeof Anthropic.RateLimitError>;
    expect(headers.get("retry-after-ms")).toBe("10");
    expect(body).toEqual({
      type: "error",
      error: { type: "rate_limit_error", message: expect.any(String) },
      request_id: requestID,
    });
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect(overloaded).toMatchObject({ status: 529, type: "overloaded_error" });
  });

  it("refuses an unknown top-level field with the real API's 400: 'Extra inputs are not permitted'", async () => {
    const error = await anthropic.messages
      .create({
        model: "claude-test",
        max_tokens: 10,
        messages: userSays("x"),
        callback_url: "https://x.test",
      } as never)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const { error: body, requestID } = error as InstanceType<typeof Anthropic.BadRequestError>;
    expect(body).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "callback_url: Extra inputs are not permitted" },
      request_id: requestID,
    });
  });

  it("accepts every body parameter of the SDK's message params", async () => {
    const {
      model: _model,
      max_tokens: _maxTokens,
      messages: _messages,
      stream: _stream,
      ...rest
    } = Object.fromEntries(ANTHROPIC_MESSAGES_PARAMS.map((param) => [param, null]));
    const response = await post(
      "/v1/messages",
      { model: "claude-test", max_tokens: 10, messages: userSays("all of them"), ...rest },
      { "x-api-key": "k", "anthropic-version": "2026-10-21" },
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ content: [{ type: "text", text: "echo: all of them" }] });
  });

  it.each([
    ["temperature", 1],
    ["top_p", 0.9],
    ["top_k", 5],
  ])("refuses %s under the SDK's API version (2026-10-21 removed it), even a neutral value", async (param, value) => {
    const error = await anthropic.messages
      .create({ model: "claude-test", max_tokens: 10, messages: userSays("x"), [param]: value } as never)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      error: { error: { type: "invalid_request_error", message: `${param}: Extra inputs are not permitted` } },
    });
  });

  it("takes the sampling parameters under API version 2023-06-01", async () => {
    const response = await post(
      "/v1/messages",
      { model: "claude-test", max_tokens: 10, temperature: 0.5, top_p: 0.9, top_k: 5, messages: userSays("old") },
      anthropicHeaders,
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ content: [{ type: "text", text: "echo: old" }] });
  });

  it("checks credentials and the anthropic-version header", async () => {
    const noKey = await post("/v1/messages", {}, { "anthropic-version": "2023-06-01" });
    const noVersion = await post("/v1/messages", {}, { "x-api-key": "k" });

    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });

  it.each([
    ["max_tokens missing", { messages: userSays("x") }, /max_tokens/],
    ["messages empty", { max_tokens: 5, messages: [] }, /at least one message/],
    [
      "first message from the assistant",
      { max_tokens: 5, messages: [{ role: "assistant", content: "x" }] },
      /first message/,
    ],
    ["a system role in messages", { max_tokens: 5, messages: [{ role: "system", content: "x" }] }, /system/],
    ["an unknown role", { max_tokens: 5, messages: [{ role: "tool", content: "x" }] }, /'user' or 'assistant'/],
    ["temperature above 1", { max_tokens: 5, temperature: 1.5, messages: userSays("x") }, /temperature/],
    [
      "a tool_result without its tool_use",
      {
        max_tokens: 5,
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: "no tools here" },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_missing", content: "r" }] },
        ],
      },
      /unexpected `tool_use_id`.*toolu_missing/,
    ],
    [
      "a tool_use left without tool_result in the next turn",
      {
        max_tokens: 5,
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "t", input: {} }] },
          { role: "user", content: "never mind" },
        ],
      },
      /`tool_use` ids were found without `tool_result` blocks.*toolu_1/,
    ],
  ])("rejects %s with invalid_request_error", async (_case, body, message) => {
    const response = await post("/v1/messages", { model: "claude-test", ...body }, anthropicHeaders);
    const error = (await response.json()) as { error: { type: string; message: string } };

    expect(response.status).toBe(400);
    expect(error.error.type).toBe("invalid_request_error");
    expect(error.error.message).toMatch(message);
  });

  it("accepts consecutive same-role turns, as the API merges them", async () => {
    const message = await anthropic.messages.create({
      model: "claude-test",
      max_tokens: 10,
      messages: [
        { role: "user", content: "first" },
        { role: "user", content: "second" },
      ],
    });
    expect(message.content).toEqual([{ type: "text", text: "echo: second" }]);
  });

  it("lists models in the Anthropic page format", async () => {
    const page = await anthropic.models.list();
    expect(page.data[0]).toMatchObject({ type: "model", id: "claude-sonnet-4-5-20250929" });
  });
});

describe("OpenAI embeddings", () => {
  it("answers deterministic unit vectors, as floats or as base64 the SDK decodes", async () => {
    const floats = await openai.embeddings.create({
      model: "text-embedding-3-small",
      input: ["a", "b"],
      encoding_format: "float",
    });
    expect(floats.data.map((item) => item.embedding)).toEqual([
      expectedEmbedding("a", 1536),
      expectedEmbedding("b", 1536),
    ]);
    const norm = Math.hypot(...(floats.data[0]?.embedding ?? []));
    expect(norm).toBeCloseTo(1, 5);
    // Without encoding_format the SDK asks for base64 and decodes it to the same float32 values.
    const decoded = await openai.embeddings.create({ model: "text-embedding-3-large", input: "a", dimensions: 16 });
    expect(fake.requests.at(-1)?.body).toMatchObject({ encoding_format: "base64" });
    expect(Array.from(decoded.data[0]?.embedding ?? [])).toEqual(expectedEmbedding("a", 16));
    expect(decoded.usage).toEqual({ prompt_tokens: 1, total_tokens: 1 });
  });

  it("counts token-array inputs by their length", async () => {
    const answer = await openai.embeddings.create({ model: "nomic-embed-text", input: [[1, 2, 3], [4]] });
    expect(answer.usage.prompt_tokens).toBe(4);
    expect(answer.data[0]?.embedding).toHaveLength(768);
  });

  it.each([
    [
      { model: "text-embedding-3-small", input: "x", tenant_id: "acme" },
      "Unrecognized request argument supplied: tenant_id",
    ],
    [{ input: "x" }, "you must provide a model parameter"],
    [{ model: "text-embedding-3-small" }, "'input' is a required property"],
    [{ model: "text-embedding-3-small", input: "" }, "'$.input' is invalid."],
    [
      { model: "text-embedding-3-small", input: "x", encoding_format: "int8" },
      "'int8' is not one of ['float', 'base64']",
    ],
    [
      { model: "text-embedding-ada-002", input: "x", dimensions: 8 },
      "This model does not support specifying dimensions.",
    ],
  ])("refuses %j as the real API does", async (body, message) => {
    const response = await post("/v1/embeddings", body, { authorization: "Bearer k" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { type: "invalid_request_error", message: expect.stringContaining(message) },
    });
  });
});

describe("Anthropic token counting", () => {
  it("counts the prompt through the SDK", async () => {
    const counted = await anthropic.messages.countTokens({
      model: "claude-haiku-4-5",
      system: "Be brief.",
      messages: userSays("Hello"),
    });
    expect(counted).toEqual({ input_tokens: 4 });
    expect(fake.requests.at(-1)).toMatchObject({ provider: "anthropic", path: "/v1/messages/count_tokens" });
  });

  it("refuses what the endpoint does not take: max_tokens, stream, unknown fields", async () => {
    for (const field of ["max_tokens", "stream", "tenant_id"]) {
      const response = await post(
        "/v1/messages/count_tokens",
        { model: "claude-haiku-4-5", messages: userSays("Hi"), [field]: 1 },
        anthropicHeaders,
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { type: "invalid_request_error", message: `${field}: Extra inputs are not permitted` },
      });
    }
    expect(ANTHROPIC_COUNT_TOKENS_PARAMS).not.toContain("max_tokens");
  });

  it("checks the messages as the Messages API does", async () => {
    const response = await post(
      "/v1/messages/count_tokens",
      { model: "claude-haiku-4-5", messages: [{ role: "assistant", content: "Hi" }] },
      anthropicHeaders,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { message: 'messages: first message must use the "user" role' },
    });
  });
});

describe("scripting and connection faults", () => {
  it("records every request with provider, path, headers and parsed body", async () => {
    await openai.chat.completions.create({ model: "gpt-test", messages: userSays("a") });
    await anthropic.messages.create({ model: "claude-test", max_tokens: 5, messages: userSays("b") });

    expect(fake.requests.map((request) => [request.provider, request.method, request.path])).toEqual([
      ["openai", "POST", "/v1/chat/completions"],
      ["anthropic", "POST", "/v1/messages"],
    ]);
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer k");
    // @anthropic-ai/sdk 1.x authenticates with a bearer token and API version 2026-10-21.
    expect(fake.requests[1]?.headers.authorization).toBe("Bearer k");
    expect(fake.requests[1]?.headers["anthropic-version"]).toBeDefined();
    expect(fake.requests[1]?.body).toMatchObject({ model: "claude-test", max_tokens: 5 });
  });

  it("prefers the once queue, then the newest handler, then the default", async () => {
    fake.use(() => ({ kind: "json", body: anthropicMessage({ text: "older handler" }) }));
    fake.use((request) =>
      request.body.model === "special"
        ? { kind: "json", body: anthropicMessage({ text: "newer handler" }) }
        : undefined,
    );
    fake.once("anthropic", { kind: "json", body: anthropicMessage({ text: "queued" }) });
    const ask = async (model: string) => {
      const message = await anthropic.messages.create({ model, max_tokens: 5, messages: userSays("x") });
      return message.content[0]?.type === "text" ? message.content[0].text : undefined;
    };

    expect(await ask("special")).toBe("queued");
    expect(await ask("special")).toBe("newer handler");
    expect(await ask("other")).toBe("older handler");
    fake.reset();
    expect(await ask("other")).toBe("echo: x");
    expect(fake.requests).toHaveLength(1);
  });

  it("resets the connection before answering", async () => {
    fake.once("openai", { kind: "reset" });
    const error = await openai.chat.completions
      .create({ model: "gpt-test", messages: userSays("x") })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(fake.aborted).toBe(0);
  });

  it("hangs until the client aborts, and counts the abort", async () => {
    fake.once("anthropic", { kind: "hang" });
    const controller = new AbortController();
    const pending = anthropic.messages
      .create({ model: "claude-test", max_tokens: 5, messages: userSays("x") }, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    await vi.waitFor(() => expect(fake.openResponses()).toBe(1));
    controller.abort();

    expect(await pending).toBeInstanceOf(Anthropic.APIUserAbortError);
    await vi.waitFor(() => expect(fake.aborted).toBe(1));
    expect(fake.openResponses()).toBe(0);
  });

  it("cuts a stream after N events without a clean end", async () => {
    // message_start, content_block_start, ping, then the first text delta.
    const events = anthropicStream({ text: "one two three four" });
    fake.once("anthropic", { kind: "sse", events, resetAfterEvents: 4 });
    const stream = anthropic.messages.stream({
      model: "claude-test",
      max_tokens: 5,
      messages: userSays("x"),
    });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const error = await stream.finalMessage().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect(texts.join("")).toBe("one");
  });

  it("stops mid-stream but keeps the socket open with hangAfterEvents", async () => {
    fake.once("openai", { kind: "sse", events: openaiStream({ content: "a b c" }), hangAfterEvents: 2 });
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: "gpt-test", stream: true, messages: userSays("x") },
      { signal: controller.signal },
    );
    const received: string[] = [];
    for await (const chunk of stream) {
      received.push(chunk.choices[0]?.delta.content ?? "");
      if (received.length === 2) break;
    }

    expect(received).toEqual(["", "a"]);
    await vi.waitFor(() => expect(fake.aborted).toBe(1));
  });

  it("delays between events and can answer a scripted status on a stream", async () => {
    fake.once("openai", { kind: "sse", events: openaiStream({ content: "slow" }), delayBetweenMs: 5 });
    const started = Date.now();
    const completion = await openai.chat.completions
      .stream({ model: "gpt-test", messages: userSays("x") })
      .finalChatCompletion();

    expect(completion.choices[0]?.message.content).toBe("slow");
    expect(Date.now() - started).toBeGreaterThanOrEqual(10);
  });

  it("rejects keys outside acceptedApiKeys, and close() ends hanging requests", async () => {
    const strict = await startFakeUpstream({ acceptedApiKeys: ["good"] });
    const wrongKey = await fetch(`${strict.openaiBaseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer bad-key-123456", "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: userSays("x") }),
    });
    strict.once("openai", { kind: "hang" });
    const hanging = fetch(`${strict.openaiBaseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer good", "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: userSays("x") }),
    }).catch((caught: unknown) => caught);
    await vi.waitFor(() => expect(strict.openResponses()).toBe(1));
    await strict.close();

    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({ error: { code: "invalid_api_key" } });
    expect(await hanging).toBeInstanceOf(TypeError);
    expect(strict.openSockets()).toBe(0);
    expect(strict.aborted).toBe(0);
  });
});
