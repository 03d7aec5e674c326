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

/**
 * The other direction, for Anthropic clients answered by an OpenAI-compatible model: OpenAI's finish_reason as
 * Anthropic's stop_reason. OpenAI says `stop` both for a natural end and for a stop sequence, without saying
 * which sequence matched, so `stop` is always `end_turn` (and `stop_sequence` null); `length` cannot tell the
 * context window from max_tokens, so it is `max_tokens`. The legacy `function_call` is a tool call.
 */
const STOP_REASON_OF_FINISH_REASON: Readonly<Record<FinishReason, StopReason>> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  function_call: "tool_use",
  content_filter: "refusal",
};

export interface AnswerShape {
  /** How many tool_use blocks the Anthropic client is sent. */
  toolUses: number;
  /** The upstream refused: a `refusal` text, or finish_reason `content_filter`. */
  refused: boolean;
}

/**
 * The stop_reason an Anthropic client sees. A refusal is `refusal` whatever the finish_reason. `tool_use` needs a
 * tool_use block to run, and a tool call must be `tool_use` for agent loops to run it: some OpenAI-compatible
 * hosts (older Ollama and vLLM versions) answer tool calls with finish_reason `stop`.
 */
export function stopReasonFor(finishReason: FinishReason, answer: AnswerShape): StopReason {
  if (answer.refused) return "refusal";
  const mapped = STOP_REASON_OF_FINISH_REASON[finishReason];
  if (mapped === "tool_use" && answer.toolUses === 0) return "end_turn";
  if (mapped === "end_turn" && answer.toolUses > 0) return "tool_use";
  return mapped;
}
