import type { components } from "../../generated/openapi.js";
import type { MessagesRequest } from "../providers/types.js";
import { uniqueCapabilities } from "../routing/required-capabilities.js";
import type { CapabilityRequirement, RouteRequest } from "../routing/route-request.js";
import {
  IMAGE_TOKENS,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_TOOL_CALL,
  textTokens,
} from "../routing/token-estimate.js";

type Schemas = components["schemas"];
type Block = Schemas["AnthropicContentBlockParam"] | Schemas["AnthropicToolResultPart"];
type DocumentBlock = Schemas["AnthropicDocumentBlockParam"];

/** What routing reads of a Messages API request or a token count request (which has no max_tokens, no stream). */
export type RoutedMessages = Pick<MessagesRequest, "model" | "messages" | "system" | "tools"> &
  Partial<
    Pick<
      MessagesRequest,
      "max_tokens" | "stream" | "provider" | "routing_policy" | "model_family" | "capabilities" | "max_cost_per_token"
    >
  >;

/** How routing and admission see a Messages API request: as a chat request, its prompt counted in its shapes. */
export function messagesRoute(request: RoutedMessages): RouteRequest {
  const promptTokens = estimateMessagesTokens(request);
  return {
    model: request.model,
    provider: request.provider,
    policy: request.routing_policy,
    family: request.model_family,
    defaultFamily: true,
    maxCostPerToken: request.max_cost_per_token,
    serves: "chat",
    capabilities: requiredCapabilities(request),
    promptTokens,
    contextTokens: promptTokens,
    promptParam: "messages",
    completion: request.max_tokens === undefined ? undefined : { tokens: request.max_tokens, param: "max_tokens" },
    choices: 1,
  };
}

/** The capabilities the request names, then those its shape needs: streaming, tools, images. */
function requiredCapabilities(request: RoutedMessages): CapabilityRequirement[] {
  const requirements: CapabilityRequirement[] = (request.capabilities ?? []).map((capability) => ({
    capability,
    param: "capabilities",
  }));
  if (request.stream === true)
    requirements.push({ capability: "streaming", param: "stream", impliedBy: "stream: true" });
  if (request.tools && request.tools.length > 0)
    requirements.push({ capability: "function_calling", param: "tools", impliedBy: "tools" });
  const hasImage = request.messages.some(
    (message) => typeof message.content !== "string" && message.content.some(holdsImage),
  );
  if (hasImage) requirements.push({ capability: "vision", param: "messages", impliedBy: "an image in messages" });
  return uniqueCapabilities(requirements);
}

function holdsImage(block: Block): boolean {
  if (block.type === "image") return true;
  return block.type === "tool_result" && Array.isArray(block.content) && block.content.some(holdsImage);
}

/** An unread PDF: about one page (its text, and Claude's image of it) per 50 KB, at least one page. */
const PDF_PAGE_TOKENS = 1_500 + IMAGE_TOKENS;
const PDF_BYTES_PER_PAGE = 50_000;

/**
 * The prompt's tokens, estimated as chat prompts are (see routing/token-estimate.ts): about four characters a token,
 * a few tokens per message, a flat cost per image. A PDF is not parsed on the hot path: its size stands for its
 * pages. Tools count by their JSON.
 */
export function estimateMessagesTokens(request: Pick<MessagesRequest, "messages" | "system" | "tools">): number {
  let tokens = REPLY_PRIMING_TOKENS;
  if (typeof request.system === "string") tokens += textTokens(request.system);
  else for (const block of request.system ?? []) tokens += textTokens(block.text);
  for (const message of request.messages) {
    tokens += TOKENS_PER_MESSAGE;
    if (typeof message.content === "string") tokens += textTokens(message.content);
    else for (const block of message.content) tokens += blockTokens(block);
  }
  if (request.tools && request.tools.length > 0) tokens += textTokens(JSON.stringify(request.tools));
  return tokens;
}

function blockTokens(block: Block): number {
  switch (block.type) {
    case "text":
      return textTokens(block.text);
    case "image":
      return IMAGE_TOKENS;
    case "document":
      return documentTokens(block);
    case "tool_use":
      return TOKENS_PER_TOOL_CALL + textTokens(block.name) + textTokens(JSON.stringify(block.input));
    case "tool_result": {
      const { content } = block;
      if (content === undefined) return TOKENS_PER_TOOL_CALL;
      if (typeof content === "string") return TOKENS_PER_TOOL_CALL + textTokens(content);
      return content.reduce((sum, part) => sum + blockTokens(part), TOKENS_PER_TOOL_CALL);
    }
    case "thinking":
      return textTokens(block.thinking);
    case "redacted_thinking":
      return textTokens(block.data);
    default:
      return textTokens(JSON.stringify(block));
  }
}

function documentTokens({ source, title, context }: DocumentBlock): number {
  const header = textTokens(title ?? "") + textTokens(context ?? "");
  switch (source.type) {
    case "text":
      return header + textTokens(source.data ?? "");
    case "content":
      return header + textTokens(JSON.stringify(source.content ?? ""));
    case "base64": {
      const bytes = ((source.data ?? "").length * 3) / 4;
      return header + Math.max(1, Math.ceil(bytes / PDF_BYTES_PER_PAGE)) * PDF_PAGE_TOKENS;
    }
    default:
      return header + PDF_PAGE_TOKENS;
  }
}
