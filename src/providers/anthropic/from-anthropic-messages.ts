import type {
  ContentBlockParam,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
} from "@anthropic-ai/sdk/resources/messages";
import type { components } from "../../../generated/openapi.js";
import { type GatewayError, invalidRequest } from "../../errors/gateway-error.js";
import type { ChatMessage } from "../types.js";
import { documentParts, imagePart, textPart, type UserPart } from "./from-anthropic-content.js";
import { untranslatable } from "./untranslatable.js";

type Schemas = components["schemas"];

/** The error text a tool result with `is_error: true` starts with. */
export const TOOL_ERROR_PREFIX = "Error: ";

/**
 * Anthropic's `system` and `messages` as OpenAI messages, in order:
 * - `system` (a string or text blocks) → a first system message; a `system` message → a system message there;
 * - a user turn → first one `tool` message per tool_result block (OpenAI wants them right after the assistant
 *   message with the tool calls, and Anthropic puts tool results first in the turn anyway), then one user message
 *   with the turn's other content: text, images (base64 as data URLs) and text documents (from-anthropic-content);
 * - a tool_result → `{role: "tool", tool_call_id: tool_use_id, content}`, its text blocks as content; with
 *   `is_error`, the text starts with "Error: " (OpenAI has no error flag). Images in a tool result cannot be in
 *   a tool message: they move to the user message that follows, after a line naming the tool call;
 * - an assistant turn → its text as content, its tool_use blocks as `tool_calls` (ids kept, input as JSON);
 *   thinking and redacted thinking (earlier Claude answers) are dropped: other models cannot read them;
 * - text is a string when there is one text block, else text parts; cache_control and citations are dropped.
 * Anything else (server tool blocks, search results, images in an assistant turn…) is refused at its path.
 * A conversation ending with an assistant turn asks Claude to continue that text (prefill); OpenAI's chat API
 * would answer it as a new turn, so it is refused.
 */
export function fromAnthropicMessages(
  system: string | TextBlockParam[] | undefined,
  messages: readonly MessageParam[],
): ChatMessage[] {
  const out: ChatMessage[] = [];
  const first = systemMessage(system);
  if (first !== undefined) out.push(first);
  if (messages.length === 0) throw invalidRequest("At least one message is required.", "messages");
  messages.forEach((message, i) => {
    switch (message.role) {
      case "system": {
        const translated = systemMessage(message.content);
        if (translated !== undefined) out.push(translated);
        break;
      }
      case "user":
        out.push(...userMessages(message.content, i));
        break;
      case "assistant": {
        if (i === messages.length - 1) {
          throw untranslatable(
            "A last assistant message (prefill) is only continued by Claude models; other models answer in a new turn.",
            `messages[${i}]`,
          );
        }
        const translated = assistantMessage(message.content, i);
        if (translated !== undefined) out.push(translated);
        break;
      }
      default:
        throw invalidRequest(
          `Unsupported message role '${String((message as { role?: unknown }).role)}'.`,
          `messages[${i}].role`,
        );
    }
  });
  return out;
}

/** One text as a string, several as text parts, none as undefined. */
function textContent(texts: readonly string[]): Schemas["TextContent"] | undefined {
  if (texts.length === 0) return undefined;
  return texts.length === 1 ? (texts[0] ?? "") : texts.map(textPart);
}

function systemMessage(system: string | TextBlockParam[] | undefined): ChatMessage | undefined {
  if (system === undefined || system === "") return undefined;
  const content = typeof system === "string" ? system : textContent(system.map((block) => block.text));
  return content === undefined ? undefined : { role: "system", content };
}

function unsupportedBlock(block: ContentBlockParam, where: string, param: string): GatewayError {
  return untranslatable(`A '${block.type}' block cannot be translated for this model ${where}.`, param);
}

function userMessages(content: string | ContentBlockParam[], i: number): ChatMessage[] {
  if (typeof content === "string") return [{ role: "user", content }];
  const toolMessages: ChatMessage[] = [];
  const movedImages: UserPart[] = [];
  const parts: UserPart[] = [];
  content.forEach((block, j) => {
    const param = `messages[${i}].content[${j}]`;
    switch (block.type) {
      case "text":
        parts.push(textPart(block.text));
        break;
      case "image":
        parts.push(imagePart(block, param));
        break;
      case "document":
        parts.push(...documentParts(block, param));
        break;
      case "tool_result": {
        const result = toolResult(block, param);
        toolMessages.push(result.message);
        movedImages.push(...result.images);
        break;
      }
      default:
        throw unsupportedBlock(block, "in a user message", param);
    }
  });
  const userContent = [...movedImages, ...parts];
  return userContent.length === 0 ? toolMessages : [...toolMessages, { role: "user", content: userContent }];
}

interface TranslatedToolResult {
  message: ChatMessage;
  /** The result's images, with a first text part naming the tool call, for the user message that follows. */
  images: UserPart[];
}

function toolResult(block: ToolResultBlockParam, param: string): TranslatedToolResult {
  const texts: string[] = [];
  const images: UserPart[] = [];
  if (typeof block.content === "string") texts.push(block.content);
  else {
    block.content?.forEach((part, k) => {
      const at = `${param}.content[${k}]`;
      if (part.type === "text") texts.push(part.text);
      else if (part.type === "image") images.push(imagePart(part, at));
      else if (part.type === "document") {
        for (const piece of documentParts(part, at)) {
          if (piece.type === "text") texts.push(piece.text);
          else images.push(piece);
        }
      } else {
        throw untranslatable(`A '${part.type}' block cannot be translated for this model in a tool result.`, at);
      }
    });
  }
  if (images.length > 0) {
    texts.push(`The tool returned ${images.length === 1 ? "an image" : "images"}, in the next user message.`);
    images.unshift(textPart(`Tool call ${block.tool_use_id} returned:`));
  }
  if (block.is_error === true) texts[0] = `${TOOL_ERROR_PREFIX}${texts[0] ?? "the tool failed."}`;
  return {
    message: { role: "tool", tool_call_id: block.tool_use_id, content: textContent(texts) ?? "" },
    images,
  };
}

function assistantMessage(content: string | ContentBlockParam[], i: number): ChatMessage | undefined {
  if (typeof content === "string") return { role: "assistant", content };
  const texts: string[] = [];
  const toolCalls: Schemas["ToolCall"][] = [];
  content.forEach((block, j) => {
    switch (block.type) {
      case "text":
        texts.push(block.text);
        break;
      case "tool_use":
        toolCalls.push({
          id: block.id,
          type: "function",
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
        break;
      case "thinking":
      case "redacted_thinking":
        break;
      default:
        throw unsupportedBlock(block, "in an assistant message", `messages[${i}].content[${j}]`);
    }
  });
  const text = textContent(texts);
  if (text === undefined && toolCalls.length === 0) return undefined;
  const message: Schemas["AssistantMessage"] = { role: "assistant", content: text ?? null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}
