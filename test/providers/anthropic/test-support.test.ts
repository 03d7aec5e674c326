import { describe, expect, it } from "vitest";
import type { CompletionChunk } from "../../../src/providers/types.js";
import { loadAnthropicEvents, readAnthropicFixture } from "../../support/anthropic-fixtures.js";
import { streamRuleViolations } from "../../support/chat-chunks.js";
import { validateAgainstOpenAI } from "../../support/openai-schemas.js";
import { validateAgainstSpec } from "../../support/spec-schemas.js";
import { parseSse } from "../../support/sse.js";
import { replay, withGatewayMetadata } from "./replay.js";

// The checks the Anthropic tests lean on must themselves catch what they are there to catch.

describe("validateAgainstSpec", () => {
  it("catches what the spec forbids", () => {
    const chunk = {
      id: "c",
      object: "chat.completion.chunk",
      created: 1.5,
      model: "m",
      choices: [{ index: 0, delta: {}, finish_reason: "done" }],
    };
    expect(validateAgainstSpec("ChatCompletionChunk", withGatewayMetadata(chunk))).toEqual([
      expect.stringContaining("/created must be integer"),
      expect.stringContaining("/choices/0/finish_reason must be equal to one of the allowed values"),
    ]);
    expect(validateAgainstSpec("ChatCompletionChunk", chunk)).toContainEqual(expect.stringContaining("'provider'"));
  });

  it("resolves refs across the spec", () => {
    const completion = {
      id: "c",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "x" }, finish_reason: "stop", logprobs: null }],
    };
    expect(validateAgainstSpec("ChatCompletion", withGatewayMetadata(completion))).toEqual([
      expect.stringContaining("/choices/0/message must have required property 'refusal'"),
    ]);
  });

  it("throws for a schema the spec does not have", () => {
    expect(() => validateAgainstSpec("NoSuchSchema", {})).toThrow(/NoSuchSchema/);
  });
});

describe("validateAgainstOpenAI", () => {
  it("requires what OpenAI's published schema requires", () => {
    const completion = {
      id: "c",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "x" }, finish_reason: "stop" }],
    };
    expect(validateAgainstOpenAI("ChatCompletion", completion)).toEqual([
      expect.stringContaining("must have required property 'logprobs'"),
      expect.stringContaining("must have required property 'refusal'"),
    ]);
  });
});

describe("streamRuleViolations", () => {
  const good = replay(loadAnthropicEvents("text-then-tool-no-args")).chunks;
  const edit = (mutate: (chunks: CompletionChunk[]) => void): CompletionChunk[] => {
    const copy = structuredClone(good);
    mutate(copy);
    return copy;
  };

  it("accepts a good stream", () => {
    expect(streamRuleViolations(good)).toEqual([]);
  });

  it("catches a tool call indexed by Anthropic's block index", () => {
    const bad = edit((chunks) => {
      for (const chunk of chunks) for (const call of chunk.choices[0]?.delta.tool_calls ?? []) call.index = 1;
    });
    expect(streamRuleViolations(bad)).toContainEqual(expect.stringContaining("tool call index 1, expected 0"));
  });

  it("catches a repeated tool call id, an empty fragment, a missing finish_reason and a misplaced usage chunk", () => {
    const repeated = edit((chunks) => {
      const call = chunks[4]?.choices[0]?.delta.tool_calls?.[0];
      if (call) call.id = "toolu_again";
    });
    expect(streamRuleViolations(repeated)).toContainEqual(expect.stringContaining("repeats id"));
    const empty = edit((chunks) =>
      chunks.splice(2, 0, {
        ...structuredClone(good[1] as CompletionChunk),
        choices: [{ index: 0, delta: { content: "" }, logprobs: null, finish_reason: null }],
      }),
    );
    expect(streamRuleViolations(empty)).toContainEqual(expect.stringContaining("empty content fragment"));
    const unfinished = edit((chunks) => chunks.splice(5, 1));
    expect(streamRuleViolations(unfinished)).toContain("no finish_reason");
    const usageFirst = edit((chunks) => chunks.unshift(chunks.pop() as CompletionChunk));
    expect(streamRuleViolations(usageFirst)).toContainEqual(expect.stringContaining("usage chunk is not the last"));
  });
});

describe("the fixtures", () => {
  const streams = [
    "text",
    "tool",
    "text-then-tool-no-args",
    "refusal",
    "parallel-two-tools",
    "parallel-three-tools-interleaved",
    "stop-sequence",
    "max-tokens",
    "max-tokens-mid-tool",
    "pause-turn",
    "cache-usage",
    "ping-everywhere",
    "error-mid-stream",
    "json-schema",
    "thinking",
    "refusal-after-text",
    "truncated",
  ];

  it.each(streams)("%s.sse is framed as on the wire: event line, one-line JSON data line, blank line", (name) => {
    const text = readAnthropicFixture(`${name}.sse`);
    expect(text).toMatch(/^(event: [a-z_]+\ndata: \{[^\n]*\}\n\n)+$/);
    expect(parseSse(text).length).toBe(loadAnthropicEvents(name).length);
  });

  it.each(streams)("%s.sse carries the real API's extra usage fields", (name) => {
    const start = loadAnthropicEvents(name).find((event) => event.type === "message_start");
    expect(start?.type === "message_start" ? Object.keys(start.message.usage) : []).toEqual(
      expect.arrayContaining([
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "cache_creation",
        "output_tokens",
        "service_tier",
      ]),
    );
  });

  it("parses SSE as the spec says: CRLF, comments, multi-line data, a missing space", () => {
    expect(
      parseSse(': comment\r\nevent: ping\r\ndata: {"type":\r\ndata:"ping"}\r\n\r\nevent:message_stop\ndata: {}\n\n'),
    ).toEqual([
      { event: "ping", data: '{"type":\n"ping"}' },
      { event: "message_stop", data: "{}" },
    ]);
  });
});
