import type { Message } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import { fromAnthropicResponse } from "../../../src/providers/anthropic/from-anthropic-response.js";
import { REFUSAL_FALLBACK_MESSAGE } from "../../../src/providers/anthropic/refusal.js";
import { loadAnthropicMessage, readAnthropicJson } from "../../support/anthropic-fixtures.js";
import { validateAgainstOpenAI } from "../../support/openai-schemas.js";
import { validateAgainstSpec } from "../../support/spec-schemas.js";
import { CREATED, withGatewayMetadata } from "./replay.js";

const CASES: { name: string; about: string; jsonToolName?: string }[] = [
  { name: "text", about: "real capture: plain text, end_turn" },
  { name: "tool", about: "text and a tool call" },
  { name: "parallel-tools", about: "three tool calls, one without input" },
  { name: "tool-no-args", about: "a tool call with input {}" },
  { name: "refusal", about: "refusal with stop_details and no content" },
  { name: "refusal-no-details", about: "refusal after text, stop_details null" },
  { name: "stop-sequence", about: "stop_sequence → stop" },
  { name: "max-tokens", about: "max_tokens → length" },
  { name: "pause-turn", about: "pause_turn → stop, server tool blocks dropped" },
  { name: "cache-usage", about: "cache writes and reads in prompt_tokens" },
  { name: "json-schema", about: "the JSON response_format tool's input as content", jsonToolName: "weather_report" },
  { name: "thinking", about: "thinking block dropped, thinking tokens as reasoning tokens" },
];

describe.each(CASES)("response fixture $name ($about)", ({ name, jsonToolName }) => {
  const completion = fromAnthropicResponse(loadAnthropicMessage(name), { created: CREATED, jsonToolName });

  it("gives exactly the expected completion", () => {
    expect(completion).toEqual(readAnthropicJson(`${name}.completion.expected.json`));
  });

  it("satisfies the spec's ChatCompletion and OpenAI's schema", () => {
    expect(validateAgainstSpec("ChatCompletion", withGatewayMetadata(completion))).toEqual([]);
    expect(validateAgainstOpenAI("ChatCompletion", completion)).toEqual([]);
  });
});

describe("fromAnthropicResponse", () => {
  const base = loadAnthropicMessage("text");
  const withContent = (content: unknown[], stopReason: Message["stop_reason"] = "end_turn"): Message =>
    ({ ...base, content, stop_reason: stopReason }) as Message;

  it("keeps the message id and Anthropic's model", () => {
    const completion = fromAnthropicResponse(base, { created: CREATED });
    expect([completion.id, completion.model, completion.created, completion.object]).toEqual([
      "msg_01TestTextResponse",
      "claude-opus-4-7",
      CREATED,
      "chat.completion",
    ]);
  });

  it("concatenates text blocks and has content null when there is no text", () => {
    const two = fromAnthropicResponse(
      withContent([
        { type: "text", text: "Hello, " },
        { type: "text", text: "world" },
      ]),
      { created: CREATED },
    );
    expect(two.choices[0]?.message.content).toBe("Hello, world");
    const none = fromAnthropicResponse(withContent([]), { created: CREATED });
    expect(none.choices[0]?.message).toEqual({ role: "assistant", content: null, refusal: null });
  });

  it("gives the generic refusal text when Anthropic explains nothing", () => {
    const completion = fromAnthropicResponse(
      { ...withContent([], "refusal"), stop_details: { type: "refusal", category: null, explanation: null } },
      { created: CREATED },
    );
    expect(completion.choices[0]?.message).toEqual({
      role: "assistant",
      content: null,
      refusal: REFUSAL_FALLBACK_MESSAGE,
    });
    expect(completion.choices[0]?.finish_reason).toBe("content_filter");
  });

  it("maps model_context_window_exceeded to length", () => {
    expect(
      fromAnthropicResponse(withContent([{ type: "text", text: "…" }], "model_context_window_exceeded"), {
        created: CREATED,
      }).choices[0]?.finish_reason,
    ).toBe("length");
  });

  it("leaves a tool call alone when it is not the JSON response_format tool", () => {
    const completion = fromAnthropicResponse(loadAnthropicMessage("tool"), {
      created: CREATED,
      jsonToolName: "json_response",
    });
    expect(completion).toEqual(readAnthropicJson("tool.completion.expected.json"));
  });

  it("stops with the JSON tool's input as content even if the model also called a real tool", () => {
    const message = withContent(
      [
        { type: "tool_use", id: "toolu_a", name: "get_weather", input: { city: "Oslo" } },
        { type: "tool_use", id: "toolu_b", name: "json_response", input: { ok: true } },
      ],
      "tool_use",
    );
    const [choice] = fromAnthropicResponse(message, { created: CREATED, jsonToolName: "json_response" }).choices;
    expect(choice?.message.content).toBe('{"ok":true}');
    expect(choice?.message.tool_calls?.map((call) => call.id)).toEqual(["toolu_a"]);
    expect(choice?.finish_reason).toBe("tool_calls");
  });
});
