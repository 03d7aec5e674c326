import {
  fullUsage,
  REFUSAL_STOP_DETAILS,
  resolveMessage,
  type AnthropicMessageOptions,
} from "./anthropic-answer-spec.js";
import type { AnthropicMessage } from "./anthropic-wire-types.js";

/** A complete Messages API response body. */
export function anthropicMessage(options: AnthropicMessageOptions = {}): AnthropicMessage {
  const message = resolveMessage(options);
  return {
    model: message.model,
    id: message.id,
    type: "message",
    role: "assistant",
    content: message.blocks,
    stop_reason: message.stopReason,
    stop_sequence: message.stopSequence,
    ...(message.refusal ? { stop_details: REFUSAL_STOP_DETAILS } : {}),
    usage: fullUsage(message, message.outputTokens),
  };
}
