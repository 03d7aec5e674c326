import { describe, expect, it } from "vitest";
import type { ChatMessage, ChatRequest } from "../../src/providers/types.js";
import { estimatePromptTokens, requestedMaxTokens } from "../../src/routing/token-estimate.js";

function estimate(messages: ChatMessage[], extra: Partial<ChatRequest> = {}): number {
  return estimatePromptTokens({ messages, ...extra });
}

const user = (content: string): ChatMessage => ({ role: "user", content });
const image = (detail?: "auto" | "low" | "high"): ChatMessage => ({
  role: "user",
  content: [
    {
      type: "image_url",
      image_url:
        detail === undefined ? { url: "https://example.com/a.png" } : { url: "https://example.com/a.png", detail },
    },
  ],
});

describe("estimatePromptTokens", () => {
  it("counts ~4 characters a token, 4 per message and 3 priming the reply", () => {
    expect(estimate([user("")])).toBe(7);
    expect(estimate([user("hi")])).toBe(8);
    expect(estimate([user("x".repeat(400))])).toBe(107);
    expect(estimate([{ role: "system", content: "x".repeat(40) }, user("x".repeat(40))])).toBe(3 + 2 * (4 + 10));
  });

  it("grows with the text and with the number of messages", () => {
    const lengths = [0, 1, 10, 100, 1_000, 10_000];
    const byLength = lengths.map((n) => estimate([user("x".repeat(n))]));
    expect(byLength).toEqual([...byLength].sort((a, b) => a - b));
    expect(new Set(byLength).size).toBe(lengths.length);
    expect(estimate([user("hi"), user("hi")])).toBeGreaterThan(estimate([user("hi")]));
  });

  it("is deterministic, and text parts count like the same text", () => {
    const parts: ChatMessage = {
      role: "user",
      content: [
        { type: "text", text: "x".repeat(40) },
        { type: "text", text: "y".repeat(40) },
      ],
    };
    expect(estimate([parts])).toBe(estimate([parts]));
    expect(estimate([parts])).toBe(estimate([user("x".repeat(80))]));
  });

  it("counts a fixed cost per image: 85 at low detail, 765 otherwise", () => {
    const base = estimate([{ role: "user", content: [] }]);
    expect(estimate([image("low")]) - base).toBe(85);
    expect(estimate([image("high")]) - base).toBe(765);
    expect(estimate([image("auto")]) - base).toBe(765);
    expect(estimate([image()]) - base).toBe(765);
  });

  it("counts tool definitions by their JSON length", () => {
    const tools: NonNullable<ChatRequest["tools"]> = [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather for a city",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ];
    expect(estimate([user("hi")], { tools }) - estimate([user("hi")])).toBe(
      Math.ceil(JSON.stringify(tools).length / 4),
    );
    expect(estimate([user("hi")], { tools: [] })).toBe(estimate([user("hi")]));
  });

  it("counts a json_schema response format", () => {
    const response_format: ChatRequest["response_format"] = {
      type: "json_schema",
      json_schema: { name: "answer", schema: { type: "object", properties: { value: { type: "number" } } } },
    };
    expect(estimate([user("hi")], { response_format })).toBeGreaterThan(estimate([user("hi")]));
    expect(estimate([user("hi")], { response_format: { type: "json_object" } })).toBe(estimate([user("hi")]));
  });

  it("counts tool calls' names and arguments, and tool results", () => {
    const call = (args: string): ChatMessage => ({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: args } }],
    });
    const small = estimate([user("hi"), call("{}")]);
    const large = estimate([user("hi"), call(JSON.stringify({ city: "x".repeat(400) }))]);
    expect(small).toBeGreaterThan(estimate([user("hi"), { role: "assistant", content: null }]));
    expect(large - small).toBeGreaterThanOrEqual(100);
    const result: ChatMessage = { role: "tool", tool_call_id: "call_1", content: "x".repeat(400) };
    expect(estimate([user("hi"), result]) - estimate([user("hi")])).toBeGreaterThanOrEqual(104);
  });

  it("counts names and refusals", () => {
    expect(estimate([{ role: "user", content: "hi", name: "alice" }])).toBeGreaterThan(estimate([user("hi")]));
    expect(estimate([{ role: "assistant", content: null, refusal: "I can't help with that." }])).toBeGreaterThan(
      estimate([{ role: "assistant", content: null }]),
    );
  });
});

describe("requestedMaxTokens", () => {
  const messages: ChatMessage[] = [user("hi")];
  it.each<[string, Partial<ChatRequest>, number | undefined]>([
    ["neither", {}, undefined],
    ["max_tokens", { max_tokens: 300 }, 300],
    ["max_completion_tokens", { max_completion_tokens: 200 }, 200],
    ["both: max_completion_tokens wins", { max_tokens: 300, max_completion_tokens: 200 }, 200],
    ["null max_completion_tokens falls back to max_tokens", { max_tokens: 300, max_completion_tokens: null }, 300],
    ["both null", { max_tokens: null, max_completion_tokens: null }, undefined],
  ])("%s", (_name, fields, expected) => {
    expect(requestedMaxTokens({ messages, ...fields })).toBe(expected);
  });
});
