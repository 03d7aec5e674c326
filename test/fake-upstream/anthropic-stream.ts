import {
  DEFAULT_INPUT_FRAGMENTS,
  fullUsage,
  REFUSAL_STOP_DETAILS,
  resolveMessage,
  type AnthropicStreamOptions,
} from "./anthropic-answer-spec.js";
import { toAnthropicJsonText } from "./anthropic-json-text.js";
import type { AnthropicContentBlock } from "./anthropic-wire-types.js";
import type { SseEvent } from "./scenario.js";
import { splitIntoPieces, splitIntoWordPieces } from "./text-pieces.js";

const ping: SseEvent = { event: "ping", data: { type: "ping" } };

/** Wraps a payload whose `type` names the event, as every Messages stream event is framed. */
function typedEvent<T extends { type: string }>(data: T): SseEvent {
  return { event: data.type, data };
}

function blockEvents(block: AnthropicContentBlock, index: number, inputFragments: number): SseEvent[] {
  if (block.type === "text") {
    return [
      typedEvent({ type: "content_block_start", index, content_block: { type: "text", text: "" } }),
      ...splitIntoWordPieces(block.text).map((text) =>
        typedEvent({ type: "content_block_delta", index, delta: { type: "text_delta", text } }),
      ),
    ];
  }
  // The input is never sent in the start event, and the first delta is always empty;
  // an input of {} is never streamed at all.
  const inputText = Object.keys(block.input).length === 0 ? "" : toAnthropicJsonText(block.input);
  return [
    typedEvent({
      type: "content_block_start",
      index,
      content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
    }),
    ...["", ...splitIntoPieces(inputText, inputFragments)].map((partial_json) =>
      typedEvent({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } }),
    ),
  ];
}

/** A Messages stream in the real event order: text block first, then one block per tool use. */
export function anthropicStream(options: AnthropicStreamOptions = {}): SseEvent[] {
  const message = resolveMessage(options);
  const withPings = options.pings ?? true;
  const inputFragments = options.splitArgsInto ?? DEFAULT_INPUT_FRAGMENTS;

  const events: SseEvent[] = [
    typedEvent({
      type: "message_start",
      message: {
        model: message.model,
        id: message.id,
        type: "message",
        role: "assistant",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...fullUsage(message, 1), inference_geo: "not_available" },
      },
    }),
  ];
  if (withPings && message.blocks.length === 0) events.push(ping);
  message.blocks.forEach((block, index) => {
    if (withPings && index > 0) events.push(ping);
    const [start, ...deltas] = blockEvents(block, index, inputFragments);
    if (start !== undefined) events.push(start);
    if (withPings && index === 0) events.push(ping);
    events.push(...deltas, typedEvent({ type: "content_block_stop", index }));
  });
  events.push(
    typedEvent({
      type: "message_delta",
      delta: {
        stop_reason: message.stopReason,
        stop_sequence: message.stopSequence,
        ...(message.refusal ? { stop_details: REFUSAL_STOP_DETAILS } : {}),
      },
      // Unlike message_start, this usage repeats the input counts but has no cache_creation / service_tier.
      usage: {
        input_tokens: message.inputTokens,
        cache_creation_input_tokens: message.cacheCreationInputTokens,
        cache_read_input_tokens: message.cacheReadInputTokens,
        output_tokens: message.outputTokens,
      },
    }),
    typedEvent({ type: "message_stop" }),
  );
  return events;
}
