import { describe, expect, it } from "vitest";
import { finishReasonFor, mapStopReason } from "../../../src/providers/anthropic/map-stop-reason.js";
import { refusalMessage, REFUSAL_FALLBACK_MESSAGE } from "../../../src/providers/anthropic/refusal.js";
import { toUsage } from "../../../src/providers/anthropic/usage.js";

describe("mapStopReason", () => {
  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["pause_turn", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    [null, "stop"],
    [undefined, "stop"],
    ["a_reason_from_the_future", "stop"],
  ])("%s → %s", (reason, finishReason) => {
    expect(mapStopReason(reason)).toBe(finishReason);
  });

  it("turns tool_use without a tool call for the client (only the JSON tool was used) into stop", () => {
    expect(finishReasonFor("tool_use", 0)).toBe("stop");
    expect(finishReasonFor("tool_use", 2)).toBe("tool_calls");
    expect(finishReasonFor("max_tokens", 0)).toBe("length");
  });
});

describe("refusalMessage", () => {
  it("is Anthropic's explanation, else a generic sentence", () => {
    expect(refusalMessage({ type: "refusal", category: "cyber", explanation: "Blocked under the Usage Policy." })).toBe(
      "Blocked under the Usage Policy.",
    );
    expect(refusalMessage({ type: "refusal", category: null, explanation: null })).toBe(REFUSAL_FALLBACK_MESSAGE);
    expect(refusalMessage({ type: "refusal", category: null, explanation: "  " })).toBe(REFUSAL_FALLBACK_MESSAGE);
    expect(refusalMessage(null)).toBe(REFUSAL_FALLBACK_MESSAGE);
    expect(refusalMessage(undefined)).toBe(REFUSAL_FALLBACK_MESSAGE);
  });
});

describe("toUsage", () => {
  it("counts cache writes and reads in prompt_tokens and reports the reads as cached", () => {
    expect(
      toUsage({
        input_tokens: 12,
        cache_creation_input_tokens: 1800,
        cache_read_input_tokens: 24_000,
        output_tokens: 85,
      }),
    ).toEqual({
      prompt_tokens: 25_812,
      completion_tokens: 85,
      total_tokens: 25_897,
      prompt_tokens_details: { cached_tokens: 24_000 },
    });
  });

  it("takes missing or null cache counts as 0 and thinking tokens as reasoning tokens", () => {
    expect(
      toUsage({
        input_tokens: 10,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        output_tokens: 5,
        output_tokens_details: { thinking_tokens: 3 },
      }),
    ).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 3 },
    });
  });
});
