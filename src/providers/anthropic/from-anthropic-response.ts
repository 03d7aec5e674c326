import type { Message } from "@anthropic-ai/sdk/resources/messages";
import type { components } from "../../../generated/openapi.js";
import type { Completion } from "../types.js";
import { finishReasonFor } from "./map-stop-reason.js";
import { refusalMessage } from "./refusal.js";
import { toUsage } from "./usage.js";

type Schemas = components["schemas"];

export interface FromAnthropicResponseOptions {
  /** Unix seconds (an integer) for `created`. */
  created: number;
  /** The JSON response_format tool (jsonResponseToolName(request)): its input becomes the message content. */
  jsonToolName?: string;
}

/**
 * An Anthropic Message as an OpenAI `chat.completion` (without the gateway's metadata):
 * - the message id is kept as the completion id, Anthropic's model as `model`;
 * - text blocks are concatenated into `content` (null when there is no text); thinking blocks are dropped;
 * - `tool_use` blocks become `tool_calls` (ids kept, input as a JSON string), present only when there are some;
 *   the JSON response_format tool's input becomes the content instead, and its `tool_use` stop is `stop`;
 * - `stop_reason: "refusal"` gives `content: null` and the refusal text (Anthropic's explanation, else a generic
 *   sentence) in `refusal`, with `finish_reason: "content_filter"`;
 * - `refusal: null` and `logprobs: null` are always present, as OpenAI's own schema requires.
 */
export function fromAnthropicResponse(message: Message, options: FromAnthropicResponseOptions): Completion {
  let text = "";
  const toolCalls: Schemas["ToolCall"][] = [];
  for (const block of message.content) {
    if (block.type === "text") {
      text += block.text;
    } else if (block.type === "tool_use") {
      const args = JSON.stringify(block.input ?? {});
      if (options.jsonToolName !== undefined && block.name === options.jsonToolName) text += args;
      else toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: args } });
    }
  }

  const refused = message.stop_reason === "refusal";
  const responseMessage: Schemas["ResponseMessage"] = {
    role: "assistant",
    content: refused || text === "" ? null : text,
    refusal: refused ? refusalMessage(message.stop_details) : null,
  };
  if (toolCalls.length > 0) responseMessage.tool_calls = toolCalls;

  return {
    id: message.id,
    object: "chat.completion",
    created: options.created,
    model: message.model,
    choices: [
      {
        index: 0,
        message: responseMessage,
        finish_reason: finishReasonFor(message.stop_reason, toolCalls.length),
        logprobs: null,
      },
    ],
    usage: toUsage(message.usage),
  };
}
