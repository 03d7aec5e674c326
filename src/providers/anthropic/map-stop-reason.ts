import type { StopReason } from "@anthropic-ai/sdk/resources/messages";
import type { FinishReason } from "../types.js";

/**
 * Anthropic's `stop_reason` as OpenAI's `finish_reason`. `pause_turn` (a server tool paused a long turn) ends
 * this answer, so it is `stop`; a reason this table does not know yet is `stop` too.
 */
export function mapStopReason(reason: StopReason | string | null | undefined): FinishReason {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
    case "pause_turn":
      return "stop";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}

/**
 * The finish_reason the client sees, given how many tool calls it was sent: `tool_calls` with no tool call to
 * run (the only tool used was the JSON response_format tool, whose input became the content) is `stop`.
 */
export function finishReasonFor(reason: StopReason | string | null | undefined, toolCallCount: number): FinishReason {
  const mapped = mapStopReason(reason);
  return mapped === "tool_calls" && toolCallCount === 0 ? "stop" : mapped;
}
