import type { MessageDeltaUsage } from "@anthropic-ai/sdk/resources/messages";
import type { Answer } from "../pipeline/answer.js";
import type { EventMeter, Operation, TokenCounts } from "../pipeline/operation.js";
import { type AnthropicTokenCounts, toUsage } from "../providers/anthropic/usage.js";
import type { MessagesEvent, MessagesPayload } from "../providers/types.js";
import { type AnthropicMessage, messageOf } from "./encode-message.js";
import { messagesRoute } from "./messages-route.js";

export type MessagesAnswer = Answer<MessagesEvent, MessagesEvent>;

/**
 * Anthropic's Messages API (POST /v1/messages) through the pipeline: Claude's own, other models through the chat
 * translation (Provider.messages). The events reach the client as the upstream's (or the translation's) are:
 * Runestone's metadata goes in headers only, so the body stays exactly Anthropic's shape.
 */
export const messagesOperation: Operation<MessagesPayload, MessagesEvent, MessagesEvent, AnthropicMessage> = {
  name: "messages",
  route: (payload) => messagesRoute(payload.body),
  callbackUrl: (payload) => payload.body.callback_url,
  job: (request) => ({ operation: "messages", request }),
  call: (provider, call) => provider.messages(call),
  meter: messagesMeter,
  present: (event) => event,
  collect: messageOf,
};

/**
 * Usage from the Message, or from message_start updated by message_delta (cumulative counts: taken, not added);
 * text, thinking and tool input for an estimate; complete with the Message or message_stop. Counts that are all 0
 * mean the upstream reported none (a translated answer then carries zeros): an answer always uses some tokens.
 */
function messagesMeter(): EventMeter<MessagesEvent> {
  let counts: AnthropicTokenCounts | undefined;
  let answerChars = 0;
  let complete = false;
  return {
    observe(event) {
      switch (event.type) {
        case "message":
          counts = event.usage;
          for (const block of event.content) {
            if (block.type === "text") answerChars += block.text.length;
            else if (block.type === "tool_use") answerChars += JSON.stringify(block.input ?? {}).length;
          }
          complete = true;
          break;
        case "message_start":
          counts = event.message.usage;
          break;
        case "message_delta":
          counts = merged(counts, event.usage);
          break;
        case "content_block_delta": {
          const { delta } = event;
          if (delta.type === "text_delta") answerChars += delta.text.length;
          else if (delta.type === "input_json_delta") answerChars += delta.partial_json.length;
          else if (delta.type === "thinking_delta") answerChars += delta.thinking.length;
          break;
        }
        case "message_stop":
          complete = true;
          break;
      }
    },
    get reported(): TokenCounts | undefined {
      if (counts === undefined) return undefined;
      const usage = toUsage(counts);
      return usage.total_tokens === 0
        ? undefined
        : { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
    },
    get answerChars() {
      return answerChars;
    },
    get complete() {
      return complete;
    },
  };
}

function merged(start: AnthropicTokenCounts | undefined, delta: MessageDeltaUsage): AnthropicTokenCounts {
  const base = start ?? { input_tokens: 0, cache_creation_input_tokens: null, cache_read_input_tokens: null };
  return {
    input_tokens: delta.input_tokens ?? base.input_tokens,
    cache_creation_input_tokens: delta.cache_creation_input_tokens ?? base.cache_creation_input_tokens,
    cache_read_input_tokens: delta.cache_read_input_tokens ?? base.cache_read_input_tokens,
    output_tokens: delta.output_tokens,
    output_tokens_details: delta.output_tokens_details,
  };
}
