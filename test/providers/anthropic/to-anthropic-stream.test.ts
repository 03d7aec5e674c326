import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/errors/gateway-error.js";
import { createAnthropicStreamEncoder } from "../../../src/providers/anthropic/to-anthropic-stream.js";
import type { CompletionChunk } from "../../../src/providers/types.js";
import { anthropicStreamRuleViolations } from "../../support/anthropic-stream-rules.js";
import { loadOpenAIChunks, readMessagesApiJson } from "../../support/messages-api-fixtures.js";
import { type EventReplay, replayChunks } from "./messages-api-replay.js";

type Delta = CompletionChunk["choices"][number]["delta"];

interface StreamCase {
  name: string;
  about: string;
  /** The stream ends in an `error` event instead of message_stop. */
  fails?: boolean;
}

const CASES: StreamCase[] = [
  { name: "text", about: "OpenAI's text stream: role chunk, text, finish, usage chunk" },
  { name: "text-then-tool", about: "text block 0, then the tool call as tool_use block 1" },
  { name: "parallel-tools", about: "two tool calls one after the other: two blocks, relayed as they come" },
  {
    name: "parallel-tools-interleaved",
    about: "three calls whose fragments interleave: each its own block, later ones held until the earlier closes",
  },
  { name: "max-tokens-mid-tool", about: "length inside a tool call: partial arguments, max_tokens" },
  { name: "refusal", about: "refusal deltas → no block, stop_reason refusal with the text" },
  { name: "cached-usage", about: "cached and reasoning tokens in message_delta's usage" },
  { name: "no-usage", about: "a host that sends no usage chunk: message_delta at the end of the stream" },
  { name: "ollama-tool-call-stop", about: "a whole tool call in one delta, finish_reason stop → tool_use" },
  { name: "cut-short", about: "the stream ends before any finish_reason", fails: true },
  { name: "malformed-arguments", about: "tool arguments that never become a JSON object", fails: true },
];

describe.each(CASES)("stream fixture $name ($about)", ({ name, fails }) => {
  const result = replayChunks(loadOpenAIChunks(name));

  it("gives exactly the expected events", () => {
    expect(result).toEqual(readMessagesApiJson(`${name}.events.expected.json`));
  });

  it("keeps the rules of an Anthropic stream", () => {
    expect(anthropicStreamRuleViolations(result.events)).toEqual([]);
    expect(result.events.at(-1)?.type).toBe(fails === true ? "error" : "message_stop");
    expect(result.error === undefined).toBe(fails !== true);
  });

  it("is deterministic", () => {
    expect(replayChunks(loadOpenAIChunks(name))).toEqual(result);
  });
});

/** A stream of deltas (the first chunk carries the role), a finish_reason and a usage chunk. */
function stream(deltas: Delta[], finish: CompletionChunk["choices"][number]["finish_reason"] = "stop") {
  const chunk = (choices: CompletionChunk["choices"], usage: CompletionChunk["usage"] = null): CompletionChunk => ({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_764_150_000,
    model: "test-model",
    choices,
    usage,
  });
  return [
    chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]),
    ...deltas.map((delta) => chunk([{ index: 0, delta, logprobs: null, finish_reason: null }])),
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]),
    chunk([], { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }),
  ];
}

const call = (index: number, id: string, name: string): Delta => ({
  tool_calls: [{ index, id, type: "function", function: { name, arguments: "" } }],
});
const args = (index: number, fragment: string): Delta => ({
  tool_calls: [{ index, function: { arguments: fragment } }],
});

/** The events as a short trace: `start text 0`, `text 0 "Hi"`, `json 1 "{}"`, `stop 0`, `end tool_use`. */
function trace(replay: EventReplay): string[] {
  return replay.events.flatMap((event): string[] => {
    switch (event.type) {
      case "content_block_start":
        return [`start ${event.content_block.type} ${event.index}`];
      case "content_block_delta":
        if (event.delta.type === "text_delta") return [`text ${event.index} ${JSON.stringify(event.delta.text)}`];
        if (event.delta.type === "input_json_delta")
          return [`json ${event.index} ${JSON.stringify(event.delta.partial_json)}`];
        return [];
      case "content_block_stop":
        return [`stop ${event.index}`];
      case "message_delta":
        return [`end ${event.delta.stop_reason}`];
      case "error":
        return [`error ${event.error.type}`];
      default:
        return [];
    }
  });
}

describe("blocks of an interleaved stream", () => {
  it("holds text that arrives inside an unfinished tool call until the call is complete", () => {
    const replay = replayChunks(
      stream([call(0, "call_a", "a"), args(0, '{"x":'), { content: "Note." }, args(0, "1}"), { content: " More." }]),
    );
    expect(trace(replay)).toEqual([
      "start tool_use 0",
      'json 0 "{\\"x\\":"',
      'json 0 "1}"',
      "stop 0",
      "start text 1",
      'text 1 "Note."',
      'text 1 " More."',
      "stop 1",
      "end tool_use",
    ]);
    expect(anthropicStreamRuleViolations(replay.events)).toEqual([]);
  });

  it("opens the next call as soon as the open one is complete, and sends what waited whole", () => {
    const replay = replayChunks(
      stream([call(0, "call_a", "a"), args(0, '{"x":'), call(1, "call_b", "b"), args(1, '{"y":2}'), args(0, "1}")]),
      "tool_calls",
    );
    expect(trace(replay)).toEqual([
      "start tool_use 0",
      'json 0 "{\\"x\\":"',
      'json 0 "1}"',
      "stop 0",
      "start tool_use 1",
      'json 1 "{\\"y\\":2}"',
      "stop 1",
      "end tool_use",
    ]);
  });

  it("ignores whitespace for a call already complete, and fails on anything else", () => {
    const whitespace = replayChunks(
      stream([call(0, "call_a", "a"), args(0, "{}"), call(1, "call_b", "b"), args(0, " \n"), args(1, "{}")]),
    );
    expect(whitespace.error).toBeUndefined();
    expect(trace(whitespace).filter((line) => line.startsWith("start"))).toEqual([
      "start tool_use 0",
      "start tool_use 1",
    ]);
    const more = replayChunks(stream([call(0, "call_a", "a"), args(0, "{}"), call(1, "call_b", "b"), args(0, "x")]));
    expect(more.error?.message).toBe(
      "Provider 'openai' sent a malformed answer: arguments for tool call 0 after its arguments were complete.",
    );
  });

  it("ends a tool call cut by a content filter as a refusal, its arguments unfinished", () => {
    const replay = replayChunks(stream([call(0, "call_a", "a"), args(0, '{"x":')], "content_filter"));
    expect(replay.error).toBeUndefined();
    expect(trace(replay).slice(-2)).toEqual(["stop 0", "end refusal"]);
  });

  it("fails a tool call that comes without a name", () => {
    const nameless: Delta = { tool_calls: [{ index: 0, id: "call_a", function: { arguments: "{}" } }] };
    expect(replayChunks(stream([nameless])).error?.message).toBe(
      "Provider 'openai' sent a malformed answer: tool call 0 has no name.",
    );
  });

  it("fails content after the finish_reason", () => {
    const chunks = stream([{ content: "Hi" }]);
    const late = structuredClone(chunks[1]) as CompletionChunk;
    const result = replayChunks([...chunks.slice(0, 3), late]);
    expect(result.error?.message).toBe("Provider 'openai' sent a malformed answer: content after the finish_reason.");
  });
});

describe("the end of a stream", () => {
  it("waits for the usage chunk after the finish_reason, then sends message_delta and message_stop", () => {
    const encoder = createAnthropicStreamEncoder();
    const chunks = stream([{ content: "Hi" }]);
    const beforeUsage = chunks.slice(0, -1).flatMap((chunk) => encoder.push(chunk));
    expect(beforeUsage.map((event) => event.type)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
    ]);
    const last = chunks.at(-1);
    if (last === undefined) throw new Error("no usage chunk");
    expect(encoder.push(last)).toEqual([
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null, stop_details: null, container: null },
        usage: {
          input_tokens: 10,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 5,
          output_tokens_details: null,
          server_tool_use: null,
        },
      },
      { type: "message_stop" },
    ]);
    expect(encoder.finish()).toEqual([]);
    expect(encoder.push(last)).toEqual([]);
  });

  it("takes usage that came with the finish_reason when no usage chunk follows", () => {
    const chunks = stream([{ content: "Hi" }]);
    const finish = { ...chunks[2], usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 } };
    const result = replayChunks([...chunks.slice(0, 2), finish as CompletionChunk]);
    const delta = result.events.find((event) => event.type === "message_delta");
    expect(delta?.type === "message_delta" && [delta.usage.input_tokens, delta.usage.output_tokens]).toEqual([7, 2]);
  });

  it("starts message_start with the usage a host reports on every chunk", () => {
    const [first, ...rest] = stream([{ content: "Hi" }]);
    const withUsage = { ...first, usage: { prompt_tokens: 30, completion_tokens: 0, total_tokens: 30 } };
    const start = replayChunks([withUsage as CompletionChunk, ...rest]).events[0];
    expect(start?.type === "message_start" && start.message.usage.input_tokens).toBe(30);
  });

  it("fails a stream with no chunk at all", () => {
    expect(replayChunks([]).error?.message).toBe("Provider 'openai' ended the stream before the answer was complete.");
  });

  it("sends only the error event on fail, and nothing after it", () => {
    const encoder = createAnthropicStreamEncoder({ provider: "vllm" });
    const [first, second] = stream([{ content: "Hi" }]);
    if (first === undefined || second === undefined) throw new Error("no chunks");
    encoder.push(first);
    const overloaded = new GatewayError("provider_overloaded", "Overloaded");
    expect(encoder.fail(overloaded)).toEqual([
      { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
    ]);
    expect(encoder.push(second)).toEqual([]);
    expect(encoder.finish()).toEqual([]);
  });
});
