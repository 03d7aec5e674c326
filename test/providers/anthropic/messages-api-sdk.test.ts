import Anthropic, {
  APIError,
  AuthenticationError,
  BadRequestError,
  ContentTooLargeError,
  GatewayTimeoutError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServiceUnavailableError,
} from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/errors/gateway-error.js";
import { toAnthropicErrorBody } from "../../../src/providers/anthropic/anthropic-error.js";
import { formatAnthropicEvent } from "../../../src/providers/anthropic/anthropic-sse.js";
import { toAnthropicMessage } from "../../../src/providers/anthropic/to-anthropic-message.js";
import type { Completion, CompletionChunk } from "../../../src/providers/types.js";
import { accumulateChunks } from "../../support/chat-chunks.js";
import { loadOpenAIChunks, loadOpenAICompletion } from "../../support/messages-api-fixtures.js";
import { replayChunks } from "./messages-api-replay.js";
import { ReplayServer } from "./replay-server.js";

/**
 * What the translation produces, read by the real `@anthropic-ai/sdk` client over HTTP (a local server replays
 * it): the SDK is the judge of whether Anthropic clients can use it.
 */

const PARAMS: MessageCreateParamsNonStreaming = {
  model: "gpt-4o-mini",
  max_tokens: 1024,
  messages: [{ role: "user", content: "Hello" }],
};

const server = new ReplayServer();
let client: Anthropic;

beforeAll(async () => {
  client = new Anthropic({ apiKey: "sk-ant-test", baseURL: await server.start(), maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.reset();
});

/** The completion an OpenAI client would assemble from the chunks, as the non-streamed path would get it. */
function completionOf(chunks: readonly CompletionChunk[]): Completion {
  const answer = accumulateChunks(chunks);
  return {
    id: answer.id,
    object: "chat.completion",
    created: 1_764_150_000,
    model: answer.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: answer.content === "" ? null : answer.content,
          refusal: answer.refusal,
          ...(answer.tool_calls.length > 0 ? { tool_calls: answer.tool_calls } : {}),
        },
        finish_reason: answer.finish_reason ?? "stop",
        logprobs: null,
      },
    ],
    ...(answer.usage != null ? { usage: answer.usage } : {}),
  };
}

function eventStream(name: string): string {
  return replayChunks(loadOpenAIChunks(name)).events.map(formatAnthropicEvent).join("");
}

describe.each([
  "text",
  "tool-call",
  "parallel-tool-calls",
  "max-tokens-mid-tool",
  "refusal",
  "cached-usage",
  "no-usage",
])("the SDK reads the Message of fixture %s", (name) => {
  it("as it was sent", async () => {
    const message = toAnthropicMessage(loadOpenAICompletion(name));
    server.reply({ kind: "json", body: message });
    const received: Message = await client.messages.create(PARAMS);
    expect(received).toEqual(message);
  });
});

describe.each([
  "text",
  "text-then-tool",
  "parallel-tools",
  "parallel-tools-interleaved",
  "refusal",
  "cached-usage",
  "no-usage",
  "ollama-tool-call-stop",
])("the SDK's MessageStream reads the events of fixture %s", (name) => {
  it("as the same Message the non-streamed answer gives", async () => {
    server.reply({ kind: "sse", body: eventStream(name), pieceSize: 37 });
    const stream = client.messages.stream(PARAMS);
    const received: string[] = [];
    stream.on("streamEvent", (event) => received.push(event.type));
    // parsed_output is the SDK's own addition (structured outputs it parsed), not part of the wire.
    const { parsed_output: _parsed, ...final } = await stream.finalMessage();
    expect(final).toEqual(toAnthropicMessage(completionOf(loadOpenAIChunks(name))));
    expect(received).toEqual(replayChunks(loadOpenAIChunks(name)).events.map((event) => event.type));
  });
});

describe("a stream cut inside a tool call by max_tokens", () => {
  it("gives the SDK's partial input where the non-streamed answer has {}", async () => {
    server.reply({ kind: "sse", body: eventStream("max-tokens-mid-tool") });
    const final = await client.messages.stream(PARAMS).finalMessage();
    const block = final.content[0];
    expect(final.stop_reason).toBe("max_tokens");
    expect(block?.type === "tool_use" && block.input).toEqual({ path: "notes.md" });
    const plain = toAnthropicMessage(completionOf(loadOpenAIChunks("max-tokens-mid-tool"))).content[0];
    expect(plain?.type === "tool_use" && plain.input).toEqual({});
  });
});

describe.each(["cut-short", "malformed-arguments"])("the failing stream of fixture %s", (name) => {
  it("makes the SDK raise an api_error with the gateway's message", async () => {
    const { error } = replayChunks(loadOpenAIChunks(name));
    server.reply({ kind: "sse", body: eventStream(name) });
    const failure = await client.messages
      .stream(PARAMS)
      .finalMessage()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(APIError);
    expect([(failure as APIError).type, (failure as APIError).apiMessage]).toEqual(["api_error", error?.message]);
  });
});

describe("error bodies", () => {
  it.each([
    [400, "invalid_value", BadRequestError],
    [401, "invalid_api_key", AuthenticationError],
    [403, "model_not_allowed", PermissionDeniedError],
    [404, "model_not_found", NotFoundError],
    [413, "request_too_large", ContentTooLargeError],
    [429, "rate_limit_exceeded", RateLimitError],
    [502, "upstream_error", InternalServerError],
    [503, "upstream_unavailable", ServiceUnavailableError],
    [504, "upstream_timeout", GatewayTimeoutError],
  ] as const)("a %i (%s) makes the SDK raise its own error class", async (status, code, errorClass) => {
    const error = new GatewayError(code, `failed with ${status}`, { param: "model" });
    expect(error.status).toBe(status);
    const body = toAnthropicErrorBody(error, "req_7");
    server.reply({ kind: "json", status, body });
    const failure = await client.messages.create(PARAMS).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(errorClass);
    expect((failure as APIError).type).toBe(body.error.type);
    expect((failure as APIError).error).toEqual(body);
  });
});
