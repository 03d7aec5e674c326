import type { StopReason } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/errors/gateway-error.js";
import { toAnthropicErrorBody } from "../../../src/providers/anthropic/anthropic-error.js";
import { stopReasonFor } from "../../../src/providers/anthropic/map-stop-reason.js";
import { toAnthropicMessage } from "../../../src/providers/anthropic/to-anthropic-message.js";
import { toAnthropicUsage, toUsage } from "../../../src/providers/anthropic/usage.js";
import type { Completion, FinishReason } from "../../../src/providers/types.js";
import { loadOpenAICompletion, readMessagesApiJson } from "../../support/messages-api-fixtures.js";
import { errorFields } from "./messages-api-replay.js";

const CASES: { name: string; about: string }[] = [
  { name: "text", about: "stop → end_turn" },
  { name: "tool-call", about: "text then a tool call: tool_calls → tool_use, id kept, input parsed" },
  { name: "parallel-tool-calls", about: "four tool calls, one with {} and one with empty arguments" },
  { name: "max-tokens", about: "length → max_tokens" },
  { name: "max-tokens-mid-tool", about: "length inside a tool call: the unfinished call keeps input {}" },
  { name: "refusal", about: "OpenAI's refusal → stop_reason refusal, the text as stop_details.explanation" },
  { name: "content-filter", about: "content_filter → refusal without explanation, the text so far kept" },
  { name: "cached-usage", about: "cached and reasoning tokens → cache reads and thinking tokens" },
  { name: "ollama-tool-call-stop", about: "a host answering a tool call with finish_reason stop → tool_use" },
  { name: "no-usage", about: "a host that reports no usage: zeros" },
];

describe.each(CASES)("response fixture $name ($about)", ({ name }) => {
  it("gives exactly the expected Message", () => {
    expect(toAnthropicMessage(loadOpenAICompletion(name))).toEqual(
      readMessagesApiJson(`${name}.message.expected.json`),
    );
  });
});

describe("a completion that cannot be an Anthropic answer", () => {
  it("is a 502 when tool arguments are not a JSON object (fixture malformed-arguments)", () => {
    let error: unknown;
    try {
      toAnthropicMessage(loadOpenAICompletion("malformed-arguments"));
    } catch (err) {
      error = err;
    }
    if (!(error instanceof GatewayError)) throw new Error("expected a GatewayError");
    expect({ ...errorFields(error), anthropic: toAnthropicErrorBody(error) }).toEqual(
      readMessagesApiJson("malformed-arguments.error.expected.json"),
    );
  });

  it.each(["[1, 2]", '"Paris"', "null"])("is a 502 for arguments %s, which parse but are no object", (args) => {
    const completion = loadOpenAICompletion("tool-call");
    const call = completion.choices[0]?.message.tool_calls?.[0];
    if (call === undefined) throw new Error("fixture tool-call has no tool call");
    call.function.arguments = args;
    expect(() => toAnthropicMessage(completion, { provider: "vllm" })).toThrow(
      "Provider 'vllm' sent a malformed answer: the arguments of its call of tool 'get_weather' are not a JSON object.",
    );
  });

  it("keeps input {} for a call cut by a content filter, as for max_tokens", () => {
    const completion = loadOpenAICompletion("max-tokens-mid-tool");
    const choice = completion.choices[0];
    if (choice === undefined) throw new Error("fixture max-tokens-mid-tool has no choice");
    choice.finish_reason = "content_filter";
    const message = toAnthropicMessage(completion);
    expect([message.stop_reason, message.content[0]?.type === "tool_use" && message.content[0].input]).toEqual([
      "refusal",
      {},
    ]);
  });

  it("is a 502 without choices", () => {
    const completion: Completion = { ...loadOpenAICompletion("text"), choices: [] };
    expect(() => toAnthropicMessage(completion)).toThrow(GatewayError);
  });
});

describe("stopReasonFor", () => {
  it.each([
    ["stop", 0, false, "end_turn"],
    ["length", 0, false, "max_tokens"],
    ["length", 1, false, "max_tokens"],
    ["tool_calls", 2, false, "tool_use"],
    ["function_call", 1, false, "tool_use"],
    ["content_filter", 0, false, "refusal"],
    // A tool call answered with finish_reason stop (older Ollama, vLLM) must still make agents run the tool.
    ["stop", 1, false, "tool_use"],
    // tool_calls without a tool call to run: nothing for the client to do.
    ["tool_calls", 0, false, "end_turn"],
    ["function_call", 0, false, "end_turn"],
    ["stop", 0, true, "refusal"],
    ["length", 0, true, "refusal"],
  ] as [FinishReason, number, boolean, StopReason][])(
    "%s with %i tool uses, refused %s → %s",
    (reason, toolUses, refused, expected) => {
      expect(stopReasonFor(reason, { toolUses, refused })).toBe(expected);
    },
  );
});

describe("toAnthropicUsage", () => {
  it("is the inverse of toUsage for Anthropic's own counts without cache writes", () => {
    const usage = { prompt_tokens: 2410, completion_tokens: 388, total_tokens: 2798 };
    const anthropic = toAnthropicUsage({ ...usage, prompt_tokens_details: { cached_tokens: 2048 } });
    expect(toUsage(anthropic)).toEqual({ ...usage, prompt_tokens_details: { cached_tokens: 2048 } });
  });

  it("never counts negative input tokens when a host reports more cached tokens than prompt tokens", () => {
    const usage = { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 };
    expect(toAnthropicUsage({ ...usage, prompt_tokens_details: { cached_tokens: 12 } }).input_tokens).toBe(0);
  });
});
