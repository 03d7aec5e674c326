import type { ContentBlock, Message, RefusalStopDetails } from "@anthropic-ai/sdk/resources/messages";
import type { Completion } from "../types.js";
import { stopReasonFor } from "./map-stop-reason.js";
import { answerWasCut, malformedAnswer, malformedToolArguments, parseToolInput } from "./tool-input.js";
import { toAnthropicUsage } from "./usage.js";

export interface ToAnthropicMessageOptions {
  /** The provider's name, for error messages. */
  provider?: string;
}

/**
 * An OpenAI `chat.completion` (from an OpenAI-compatible upstream) as the Anthropic `Message` an Anthropic client
 * expects:
 * - the completion id is kept as the message id, the upstream's model as `model`;
 * - `content` is a text block (when there is text), then one `tool_use` block per tool call, ids kept and the
 *   arguments parsed into `input`. Arguments that are not a JSON object are a 502 (see tool-input.ts), except in
 *   an answer that was cut (length, content_filter), where the unfinished call keeps `input: {}`;
 * - a `refusal` (or finish_reason `content_filter`) is `stop_reason: "refusal"` with the refusal text as
 *   `stop_details.explanation`, as Anthropic explains its refusals; it is not repeated as text;
 * - `stop_sequence` is always null: OpenAI does not say whether, or which, stop sequence matched;
 * - URL citations (`annotations`) are dropped: Anthropic's citations point into documents and search results
 *   with fields OpenAI's do not have;
 * - fields Anthropic's Message has and OpenAI has no counterpart for (`container`, `diagnostics`, a tool_use's
 *   `caller`, which is always the model here) are null or `direct`.
 */
export function toAnthropicMessage(completion: Completion, options: ToAnthropicMessageOptions = {}): Message {
  const provider = options.provider ?? "openai";
  const choice = completion.choices[0];
  if (choice === undefined) throw malformedAnswer(provider, "a completion without choices");
  const { message, finish_reason: finishReason } = choice;

  const content: ContentBlock[] = [];
  if (typeof message.content === "string" && message.content !== "") {
    content.push({ type: "text", text: message.content, citations: null });
  }
  for (const call of message.tool_calls ?? []) {
    const input = parseToolInput(call.function.arguments);
    if (input === undefined && !answerWasCut(finishReason)) throw malformedToolArguments(provider, call.function.name);
    content.push({
      type: "tool_use",
      id: call.id,
      name: call.function.name,
      input: input ?? {},
      caller: { type: "direct" },
    });
  }

  const refused = isRefusal(message.refusal) || finishReason === "content_filter";
  const toolUses = content.filter((block) => block.type === "tool_use").length;
  return {
    id: completion.id,
    type: "message",
    role: "assistant",
    model: completion.model,
    content,
    stop_reason: stopReasonFor(finishReason, { toolUses, refused }),
    stop_sequence: null,
    stop_details: refused ? refusalDetails(message.refusal) : null,
    container: null,
    diagnostics: null,
    usage: toAnthropicUsage(completion.usage),
  };
}

/** Whether OpenAI's `refusal` holds a refusal (some hosts send "" for none). */
export function isRefusal(refusal: string | null | undefined): refusal is string {
  return typeof refusal === "string" && refusal !== "";
}

/** Anthropic's explanation of a refusal: OpenAI's refusal text, when there is one. */
export function refusalDetails(refusal: string | null | undefined): RefusalStopDetails {
  return { type: "refusal", category: null, explanation: isRefusal(refusal) ? refusal : null };
}
