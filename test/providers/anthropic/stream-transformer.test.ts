import { APIError } from "@anthropic-ai/sdk";
import type { RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import type { components } from "../../../generated/openapi.js";
import { GatewayError } from "../../../src/errors/gateway-error.js";
import { fromAnthropicResponse } from "../../../src/providers/anthropic/from-anthropic-response.js";
import {
  createStreamTransformer,
  type AnthropicStreamEvent,
} from "../../../src/providers/anthropic/stream-transformer.js";
import { toGatewayError } from "../../../src/providers/upstream-error.js";
import { loadAnthropicEvents, loadAnthropicMessage, readAnthropicJson } from "../../support/anthropic-fixtures.js";
import { accumulateChunks, streamRuleViolations } from "../../support/chat-chunks.js";
import { validateAgainstOpenAI } from "../../support/openai-schemas.js";
import { validateAgainstSpec } from "../../support/spec-schemas.js";
import { CREATED, errorFields, replay, withGatewayMetadata, type Replay } from "./replay.js";

type ToolCall = components["schemas"]["ToolCall"];

interface StreamCase {
  name: string;
  /** What the case is there for. */
  about: string;
  jsonToolName?: string;
  /** The stream ends in an error instead of a finish_reason. */
  fails?: boolean;
}

const CASES: StreamCase[] = [
  { name: "text", about: "real capture: text deltas, end_turn" },
  { name: "tool", about: "real capture: one tool, empty first fragment, arguments split" },
  {
    name: "text-then-tool-no-args",
    about: "real capture: text, then a tool (block 1, tool 0) that never streams arguments",
  },
  { name: "refusal", about: "real capture: refusal with stop_details and no content block at all" },
  { name: "parallel-two-tools", about: "text then two tools, split arguments" },
  {
    name: "parallel-three-tools-interleaved",
    about: "three tools whose fragments interleave by block index, one without arguments",
  },
  { name: "stop-sequence", about: "stop_sequence → stop" },
  { name: "max-tokens", about: "max_tokens → length" },
  { name: "max-tokens-mid-tool", about: "max_tokens inside a tool call: partial arguments, length, no invented {}" },
  { name: "pause-turn", about: "pause_turn → stop; server tool blocks and their input_json_delta are not tool calls" },
  { name: "cache-usage", about: "cache writes and reads counted once in prompt_tokens" },
  { name: "ping-everywhere", about: "ping before, between and after every event" },
  { name: "error-mid-stream", about: "an overloaded_error event after some text", fails: true },
  {
    name: "json-schema",
    about: "the JSON response_format tool streamed as content, finish stop",
    jsonToolName: "weather_report",
  },
  { name: "thinking", about: "thinking and signature deltas dropped, thinking tokens as reasoning tokens" },
  { name: "refusal-after-text", about: "refusal after some text, no explanation: generic refusal text" },
  { name: "truncated", about: "the stream ends without message_delta/message_stop", fails: true },
];

function expectedReplay(name: string): Replay {
  return readAnthropicJson(`${name}.chunks.expected.json`) as Replay;
}

describe.each(CASES)("stream fixture $name ($about)", ({ name, jsonToolName, fails }) => {
  const result = replay(loadAnthropicEvents(name), { jsonToolName });

  it("gives exactly the expected chunks", () => {
    expect(result).toEqual(expectedReplay(name));
  });

  it("gives chunks that satisfy the spec's ChatCompletionChunk and OpenAI's schema", () => {
    for (const chunk of result.chunks) {
      expect(validateAgainstSpec("ChatCompletionChunk", withGatewayMetadata(chunk))).toEqual([]);
      expect(validateAgainstOpenAI("ChatCompletionChunk", chunk)).toEqual([]);
    }
  });

  if (fails === true) {
    it("fails after the chunks it could send, which keep the rules so far", () => {
      expect(result.error).toBeDefined();
      expect(result.chunks.some((chunk) => chunk.choices[0]?.finish_reason != null || chunk.usage != null)).toBe(false);
    });
  } else {
    it("keeps the rules of an OpenAI stream", () => {
      expect(result.error).toBeUndefined();
      expect(streamRuleViolations(result.chunks)).toEqual([]);
    });
  }

  it("is deterministic", () => {
    expect(replay(loadAnthropicEvents(name), { jsonToolName })).toEqual(result);
  });
});

describe("tool calls in streams", () => {
  it("counts tool call indexes over tool calls only, not Anthropic's block index", () => {
    const { tool_calls } = accumulateChunks(replay(loadAnthropicEvents("text-then-tool-no-args")).chunks);
    expect(tool_calls).toEqual([
      {
        id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP",
        type: "function",
        function: { name: "updateIssueList", arguments: "{}" },
      },
    ]);
  });

  it("routes interleaved fragments by block index", () => {
    const { tool_calls, finish_reason } = accumulateChunks(
      replay(loadAnthropicEvents("parallel-three-tools-interleaved")).chunks,
    );
    expect(finish_reason).toBe("tool_calls");
    expect(tool_calls.map((call) => [call.id, call.function.name, JSON.parse(call.function.arguments)])).toEqual([
      ["toolu_01LondonWeatherAbcdefgh", "get_weather", { city: "London" }],
      ["toolu_01LondonTimeAbcdefghijk", "get_time", { timezone: "Europe/London" }],
      ["toolu_01AlertsAbcdefghijklmno", "list_alerts", {}],
    ]);
  });

  it.each(["tool", "text-then-tool-no-args", "parallel-two-tools", "parallel-three-tools-interleaved"])(
    "assembles arguments that parse as JSON objects (%s)",
    (name) => {
      const { tool_calls } = accumulateChunks(replay(loadAnthropicEvents(name)).chunks);
      expect(tool_calls.length).toBeGreaterThan(0);
      for (const call of tool_calls) expect(JSON.parse(call.function.arguments)).toBeTypeOf("object");
    },
  );

  it("uses the content_block_start input when no fragment ever streams", () => {
    const events = [
      ...messageStart("msg_1"),
      {
        type: "content_block_start",
        index: 0,
        content_block: { type: "tool_use", id: "toolu_1", name: "lookup", input: { id: 7 } },
      },
      { type: "content_block_stop", index: 0 },
      ...messageEnd("tool_use", 5),
    ] as AnthropicStreamEvent[];
    expect(accumulateChunks(replay(events).chunks).tool_calls).toEqual([
      { id: "toolu_1", type: "function", function: { name: "lookup", arguments: '{"id":7}' } },
    ]);
  });

  it("closes a tool block left open at message_delta before the finish_reason", () => {
    const events = [
      ...messageStart("msg_1"),
      {
        type: "content_block_start",
        index: 0,
        content_block: { type: "tool_use", id: "toolu_1", name: "ping_host", input: {} },
      },
      ...messageEnd("tool_use", 5),
    ] as AnthropicStreamEvent[];
    const { chunks } = replay(events);
    expect(streamRuleViolations(chunks)).toEqual([]);
    expect(accumulateChunks(chunks).tool_calls[0]?.function.arguments).toBe("{}");
  });

  it("treats a tool that is not the JSON response_format tool as a tool call", () => {
    const { tool_calls, content, finish_reason } = accumulateChunks(
      replay(loadAnthropicEvents("tool"), { jsonToolName: "weather_report" }).chunks,
    );
    expect(tool_calls.map((call) => call.function.name)).toEqual(["json"]);
    expect(content).toBe("");
    expect(finish_reason).toBe("tool_calls");
  });
});

describe("usage in streams", () => {
  it("takes message_delta's cumulative counts instead of adding them to message_start's", () => {
    const usage = replay(loadAnthropicEvents("cache-usage")).chunks.at(-1)?.usage;
    // message_start: input 12, cache writes 1800, cache reads 24000, output 1; message_delta repeats the input
    // counts and says output 85.
    expect(usage).toEqual({
      prompt_tokens: 25_812,
      completion_tokens: 85,
      total_tokens: 25_897,
      prompt_tokens_details: { cached_tokens: 24_000 },
    });
  });

  it("lets a later message_delta update the usage without a second finish_reason", () => {
    const events = [
      ...messageStart("msg_1"),
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } },
      { type: "content_block_stop", index: 0 },
      messageDelta("end_turn", 10),
      messageDelta(null, 12),
      { type: "message_stop" },
    ] as AnthropicStreamEvent[];
    const { chunks } = replay(events);
    expect(streamRuleViolations(chunks)).toEqual([]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 12, total_tokens: 19 });
  });
});

describe("stream events the client never sees", () => {
  it("turns ping into nothing, even before message_start", () => {
    const transformer = createStreamTransformer({ created: CREATED });
    expect(transformer.push({ type: "ping" })).toEqual([]);
  });

  it("ignores event types newer than this code", () => {
    const transformer = createStreamTransformer({ created: CREATED });
    transformer.push(messageStart("msg_1")[0] as AnthropicStreamEvent);
    expect(transformer.push({ type: "message_checkpoint", note: "future" } as unknown as AnthropicStreamEvent)).toEqual(
      [],
    );
  });

  it("ignores whatever follows message_stop", () => {
    const events = loadAnthropicEvents("text");
    const transformer = createStreamTransformer({ created: CREATED });
    for (const event of events) transformer.push(event);
    expect(
      transformer.push({
        type: "content_block_start",
        index: 5,
        content_block: { type: "text", text: "late", citations: null },
      }),
    ).toEqual([]);
    expect(transformer.finish()).toEqual([]);
  });
});

describe("stream failures", () => {
  it("throws for an error event the GatewayError toGatewayError builds for the SDK's APIError", () => {
    const body = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
    const viaSdk = toGatewayError(
      new APIError(undefined, body, undefined, new Headers(), "overloaded_error"),
      "anthropic",
    );
    expect(viaSdk).toBeInstanceOf(GatewayError);
    expect(expectedReplay("error-mid-stream").error).toEqual(errorFields(viaSdk as GatewayError));
  });

  it.each([
    ["api_error", 502, "upstream_error"],
    ["rate_limit_error", 429, "upstream_rate_limited"],
    ["overloaded_error", 503, "provider_overloaded"],
  ])("maps a mid-stream %s to %i %s", (type, status, code) => {
    const transformer = createStreamTransformer({ created: CREATED, provider: "claude-eu" });
    transformer.push(messageStart("msg_1")[0] as AnthropicStreamEvent);
    expect(() => transformer.push({ type: "error", error: { type, message: "boom" } })).toThrowError(
      expect.objectContaining({ status, code, message: expect.stringContaining("Provider 'claude-eu'") }),
    );
  });

  it("refuses a stream that breaks the protocol with a 502", () => {
    const malformed = expect.objectContaining({ status: 502, type: "service_error", code: "upstream_error" });
    const early = createStreamTransformer({ created: CREATED });
    expect(() => early.push({ type: "content_block_stop", index: 0 })).toThrowError(malformed);

    const unknownBlock = createStreamTransformer({ created: CREATED });
    unknownBlock.push(messageStart("msg_1")[0] as AnthropicStreamEvent);
    expect(() =>
      unknownBlock.push({
        type: "content_block_delta",
        index: 3,
        delta: { type: "input_json_delta", partial_json: "{}" },
      }),
    ).toThrowError(malformed);

    const twice = createStreamTransformer({ created: CREATED });
    twice.push(messageStart("msg_1")[0] as AnthropicStreamEvent);
    expect(() => twice.push(messageStart("msg_2")[0] as AnthropicStreamEvent)).toThrowError(malformed);
  });

  it("does not pass a cut stream off as complete", () => {
    expect(() => createStreamTransformer({ created: CREATED }).finish()).toThrowError(GatewayError);
    expect(expectedReplay("truncated").error?.status).toBe(502);
  });

  it("still owes the usage chunk when the stream stopped after message_delta", () => {
    const events = loadAnthropicEvents("text").filter((event) => event.type !== "message_stop");
    const transformer = createStreamTransformer({ created: CREATED });
    for (const event of events) transformer.push(event);
    expect(transformer.finish()).toEqual([expectedReplay("text").chunks.at(-1)]);
  });
});

describe("streamed and non-streamed answers agree", () => {
  // Pairs of fixtures holding the same answer, streamed (.sse) and not (.json).
  const PAIRS: [stream: string, message: string, jsonToolName?: string][] = [
    ["text-then-tool-no-args", "tool-no-args"],
    ["refusal", "refusal"],
    ["stop-sequence", "stop-sequence"],
    ["max-tokens", "max-tokens"],
    ["pause-turn", "pause-turn"],
    ["cache-usage", "cache-usage"],
    ["json-schema", "json-schema", "weather_report"],
    ["thinking", "thinking"],
  ];

  it.each(PAIRS)("%s.sse ≡ %s.json", (stream, message, jsonToolName) => {
    const streamed = accumulateChunks(replay(loadAnthropicEvents(stream), { jsonToolName }).chunks);
    const completion = fromAnthropicResponse(loadAnthropicMessage(message), { created: CREATED, jsonToolName });
    const [choice] = completion.choices;
    const sameJson = (text: string | null): unknown =>
      text !== null && jsonToolName !== undefined ? JSON.parse(text) : text;
    // A stream starts its content with "" (the role chunk); a message without text has null.
    expect(sameJson(streamed.content === "" ? null : streamed.content)).toEqual(
      sameJson(choice?.message.content ?? null),
    );
    expect(streamed.refusal).toEqual(choice?.message.refusal);
    // Streamed arguments are Anthropic's raw fragments, non-streamed ones JSON.stringify(input): same JSON.
    const parsed = (calls: readonly ToolCall[]): unknown[] =>
      calls.map((call) => ({
        ...call,
        function: { ...call.function, arguments: JSON.parse(call.function.arguments) as unknown },
      }));
    expect(parsed(streamed.tool_calls)).toEqual(parsed(choice?.message.tool_calls ?? []));
    expect(streamed.finish_reason).toBe(choice?.finish_reason);
    expect(streamed.usage).toEqual(completion.usage);
  });

  it("differs only where a stream cannot take back text it already sent: a refusal after text", () => {
    const streamed = accumulateChunks(replay(loadAnthropicEvents("refusal-after-text")).chunks);
    const [choice] = fromAnthropicResponse(loadAnthropicMessage("refusal-no-details"), { created: CREATED }).choices;
    expect(streamed.content).toBe("Here is how to");
    expect(choice?.message.content).toBeNull();
    expect(streamed.refusal).toBe(choice?.message.refusal);
    expect(streamed.finish_reason).toBe("content_filter");
  });
});

function messageStart(id: string): RawMessageStreamEvent[] {
  return [
    {
      type: "message_start",
      message: {
        id,
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5-20250929",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 7,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 1,
          service_tier: "standard",
        },
      },
    } as unknown as RawMessageStreamEvent,
  ];
}

function messageDelta(stopReason: string | null, outputTokens: number): RawMessageStreamEvent {
  return {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { input_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens },
  } as unknown as RawMessageStreamEvent;
}

function messageEnd(stopReason: string, outputTokens: number): RawMessageStreamEvent[] {
  return [messageDelta(stopReason, outputTokens), { type: "message_stop" }];
}
