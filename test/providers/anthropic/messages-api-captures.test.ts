import { describe, expect, it } from "vitest";
import type { AnthropicStreamEvent } from "../../../src/providers/anthropic/stream-transformer.js";
import { toAnthropicMessage } from "../../../src/providers/anthropic/to-anthropic-message.js";
import { loadAnthropicEvents, loadAnthropicMessage } from "../../support/anthropic-fixtures.js";
import { anthropicStreamRuleViolations } from "../../support/anthropic-stream-rules.js";
import { loadOpenAIChunks, loadOpenAICompletion } from "../../support/messages-api-fixtures.js";
import { replayChunks } from "./messages-api-replay.js";

/**
 * The translation's Anthropic side held against real Anthropic answers: the captures in test/fixtures/anthropic
 * (text, tool, text-then-tool-no-args, refusal; text.json) were recorded from the real API.
 */

const CAPTURED_STREAMS = ["text", "tool", "text-then-tool-no-args", "refusal"];
const TRANSLATED_STREAMS = [
  "text",
  "text-then-tool",
  "parallel-tools",
  "parallel-tools-interleaved",
  "max-tokens-mid-tool",
  "refusal",
  "cached-usage",
  "no-usage",
  "ollama-tool-call-stop",
];

/** An event's kind: its type, and the type of its content block or delta. */
function kindOf(event: AnthropicStreamEvent): string {
  if (event.type === "content_block_start") return `${event.type}/${event.content_block.type}`;
  if (event.type === "content_block_delta") return `${event.type}/${event.delta.type}`;
  return event.type;
}

/** The fields of `real` (at any depth) that `ours` lacks, as paths. Arrays are compared by their presence only. */
function missingFields(ours: unknown, real: unknown, path = ""): string[] {
  if (typeof real !== "object" || real === null || Array.isArray(real)) return [];
  if (typeof ours !== "object" || ours === null || Array.isArray(ours)) return [path || "(root)"];
  return Object.entries(real).flatMap(([key, value]) =>
    key in ours ? missingFields((ours as Record<string, unknown>)[key], value, `${path}.${key}`) : [`${path}.${key}`],
  );
}

describe("the stream rules", () => {
  it.each(CAPTURED_STREAMS)("hold for Anthropic's own stream %s (real capture)", (name) => {
    expect(anthropicStreamRuleViolations(loadAnthropicEvents(name))).toEqual([]);
  });
});

describe("translated events have every field Anthropic's own events have", () => {
  const real = new Map<string, AnthropicStreamEvent>();
  for (const name of CAPTURED_STREAMS) {
    for (const event of loadAnthropicEvents(name)) if (!real.has(kindOf(event))) real.set(kindOf(event), event);
  }

  it.each(TRANSLATED_STREAMS)("fixture %s", (name) => {
    const problems = replayChunks(loadOpenAIChunks(name)).events.flatMap((event) => {
      const captured = real.get(kindOf(event));
      if (captured === undefined) return [`${kindOf(event)}: no real event of this kind to compare with`];
      return missingFields(event, captured).map((field) => `${kindOf(event)}: no ${field}`);
    });
    expect(problems).toEqual([]);
  });
});

describe("a translated Message has every field of Anthropic's own", () => {
  it.each(["text", "tool-call", "refusal", "cached-usage", "no-usage"])("fixture %s", (name) => {
    expect(missingFields(toAnthropicMessage(loadOpenAICompletion(name)), loadAnthropicMessage("text"))).toEqual([]);
  });
});
