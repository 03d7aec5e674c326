import type {
  ContentBlockParam,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
  ToolUseBlockParam,
} from "@anthropic-ai/sdk/resources/messages";
import type { components } from "../../../generated/openapi.js";
import { invalidRequest } from "../../errors/gateway-error.js";
import type { ChatMessage } from "../types.js";
import { toImageBlock } from "./image-source.js";

type Schemas = components["schemas"];

export interface AnthropicConversation {
  /** Every system and developer message's text, in order; empty when there is none. */
  system: TextBlockParam[];
  /** Alternating user/assistant turns. */
  messages: MessageParam[];
}

interface Turn {
  role: "user" | "assistant";
  /** Kept apart: Anthropic wants a user turn's tool_result blocks before any other block. */
  toolResults: ToolResultBlockParam[];
  blocks: ContentBlockParam[];
}

/**
 * OpenAI messages as Anthropic's `system` + `messages`:
 * - system and developer messages, wherever they are, become `system` text blocks, in order;
 * - `tool` messages become `tool_result` blocks of a user turn, ahead of that turn's other content;
 * - consecutive turns of one role are merged into one turn (Anthropic wants them alternating);
 * - empty text is dropped (Anthropic rejects empty text blocks), and a message left with nothing is skipped.
 * Message `name`s and image `detail` have no Anthropic counterpart and are dropped. Tool call ids are sent
 * through toAnthropicToolId on both sides (tool_use and tool_result), so pairs stay paired.
 *
 * A conversation that starts with an assistant turn is sent as it is, with nothing prepended. The Messages API
 * answered such requests with 400 "first message must use the \"user\" role" in 2024 and has accepted them since
 * the rule was lifted. Inventing a user turn would put words in the user's mouth, and should an upstream still
 * refuse, its 400 reaches the client with Anthropic's own message.
 */
export function toAnthropicMessages(messages: readonly ChatMessage[]): AnthropicConversation {
  const system: TextBlockParam[] = [];
  const turns: Turn[] = [];

  const append = (role: Turn["role"], toolResults: ToolResultBlockParam[], blocks: ContentBlockParam[]): void => {
    if (toolResults.length === 0 && blocks.length === 0) return;
    const last = turns.at(-1);
    if (last !== undefined && last.role === role) {
      last.toolResults.push(...toolResults);
      last.blocks.push(...blocks);
    } else {
      turns.push({ role, toolResults: [...toolResults], blocks: [...blocks] });
    }
  };

  messages.forEach((message, i) => {
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...textBlocks(message.content));
        break;
      case "user":
        append("user", [], userBlocks(message.content, i));
        break;
      case "tool":
        append("user", [toolResult(message)], []);
        break;
      case "assistant":
        append("assistant", [], assistantBlocks(message, i));
        break;
      default:
        throw invalidRequest(
          `Unsupported message role '${String((message as { role?: unknown }).role)}'.`,
          `messages[${i}].role`,
        );
    }
  });

  if (turns.length === 0) {
    throw invalidRequest("Anthropic needs at least one user or assistant message with content.", "messages");
  }
  return {
    system,
    messages: turns.map((turn) => ({ role: turn.role, content: [...turn.toolResults, ...turn.blocks] })),
  };
}

function text(value: string): TextBlockParam[] {
  return value === "" ? [] : [{ type: "text", text: value }];
}

function textBlocks(content: Schemas["TextContent"]): TextBlockParam[] {
  return typeof content === "string" ? text(content) : content.flatMap((part) => text(part.text));
}

function userBlocks(content: Schemas["UserMessage"]["content"], i: number): ContentBlockParam[] {
  if (typeof content === "string") return text(content);
  return content.flatMap((part, j): ContentBlockParam[] => {
    if (part.type === "text") return text(part.text);
    if (part.type === "image_url")
      return [toImageBlock(part.image_url.url, `messages[${i}].content[${j}].image_url.url`)];
    throw invalidRequest(
      `Unsupported content part type '${String((part as { type?: unknown }).type)}'.`,
      `messages[${i}].content[${j}].type`,
    );
  });
}

function assistantBlocks(message: Schemas["AssistantMessage"], i: number): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  const { content } = message;
  if (typeof content === "string") blocks.push(...text(content));
  else if (Array.isArray(content)) {
    // A refusal part is what the assistant said: Anthropic has no refusal block, so it is sent as text.
    for (const part of content) blocks.push(...text(part.type === "refusal" ? part.refusal : part.text));
  }
  if (typeof message.refusal === "string") blocks.push(...text(message.refusal));
  message.tool_calls?.forEach((call, j) => {
    const toolUse: ToolUseBlockParam = {
      type: "tool_use",
      id: toAnthropicToolId(call.id),
      name: call.function.name,
      input: parseArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`),
    };
    blocks.push(toolUse);
  });
  return blocks;
}

/** A tool call's JSON arguments as Anthropic's `input` object; an empty string means no arguments. */
function parseArguments(json: string, param: string): Record<string, unknown> {
  if (json.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw invalidRequest("Tool call arguments must be a JSON object, and this is not valid JSON.", param);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest("Tool call arguments must be a JSON object.", param);
  }
  return parsed as Record<string, unknown>;
}

function toolResult(message: Schemas["ToolMessage"]): ToolResultBlockParam {
  const block: ToolResultBlockParam = { type: "tool_result", tool_use_id: toAnthropicToolId(message.tool_call_id) };
  if (typeof message.content === "string") {
    if (message.content !== "") block.content = message.content;
  } else {
    const parts = textBlocks(message.content);
    if (parts.length > 0) block.content = parts;
  }
  return block;
}

/**
 * A tool call id as Anthropic accepts it (`^[a-zA-Z0-9_-]+$`). Ids from OpenAI (`call_…`) and Anthropic
 * (`toolu_…`) pass unchanged; ids made elsewhere (`functions.get_weather:0`) would be a 400, so every other
 * character becomes `_` — the same way for the tool_use and its tool_result.
 */
export function toAnthropicToolId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, "_");
}
