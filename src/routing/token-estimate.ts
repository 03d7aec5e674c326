import type { ChatMessage, ChatRequest } from "../providers/types.js";

/*
 * A cheap, deterministic estimate of a request's prompt tokens, with no tokenizer. It runs on the hot path of
 * every routed request, and a real tokenizer is slow, model-specific (OpenAI's and Anthropic's differ) and a
 * heavy dependency. The estimate only orders candidates by cost and reserves tokens before the call; the
 * usage the upstream reports reconciles both afterwards. Text is ~4 characters per token (English; code and
 * non-Latin scripts run denser, so those prompts are underestimated).
 */

const CHARS_PER_TOKEN = 4;
/** OpenAI's cookbook (num_tokens_from_messages): 3 tokens frame each message, plus its role (1 token). */
export const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_NAME = 1;
/** The cookbook's 3 tokens that prime every reply (`<|start|>assistant<|message|>`). */
export const REPLY_PRIMING_TOKENS = 3;
/** The id, type and framing of one tool call, besides its name and arguments. */
export const TOKENS_PER_TOOL_CALL = 3;
/**
 * OpenAI's vision pricing without fetching the image: a low-detail image is a flat 85 tokens; high (and auto,
 * which picks high for anything but small images) is 85 + 170 per 512 px tile, and 765 is a 1024×1024 image
 * (4 tiles). Larger images cost more, smaller ones less; Anthropic's count (w×h/750) is similar at this size.
 */
const LOW_DETAIL_IMAGE_TOKENS = 85;
export const IMAGE_TOKENS = 765;

export function estimatePromptTokens(request: ChatRequest): number {
  let tokens = REPLY_PRIMING_TOKENS;
  for (const message of request.messages) tokens += messageTokens(message);
  // Upstreams render tool definitions and output schemas into the prompt; their JSON is a fair proxy for that text.
  if (request.tools && request.tools.length > 0) tokens += textTokens(JSON.stringify(request.tools));
  if (request.response_format?.type === "json_schema")
    tokens += textTokens(JSON.stringify(request.response_format.json_schema));
  return tokens;
}

/** The completion tokens the client capped the answer at, if it did. */
export function requestedMaxTokens(request: ChatRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens ?? undefined;
}

function messageTokens(message: ChatMessage): number {
  let tokens = TOKENS_PER_MESSAGE;
  if ("name" in message && message.name !== undefined) tokens += TOKENS_PER_NAME + textTokens(message.name);
  switch (message.role) {
    case "system":
    case "developer":
    case "user":
      return tokens + contentTokens(message.content);
    case "assistant":
      tokens += contentTokens(message.content) + textTokens(message.refusal ?? "");
      for (const call of message.tool_calls ?? [])
        tokens += TOKENS_PER_TOOL_CALL + textTokens(call.function.name) + textTokens(call.function.arguments);
      return tokens;
    case "tool":
      return tokens + contentTokens(message.content) + textTokens(message.tool_call_id);
  }
}

function contentTokens(content: ChatMessage["content"]): number {
  if (content === null || content === undefined) return 0;
  if (typeof content === "string") return textTokens(content);
  let tokens = 0;
  for (const part of content) {
    if (part.type === "text") tokens += textTokens(part.text);
    else if (part.type === "refusal") tokens += textTokens(part.refusal);
    else tokens += part.image_url.detail === "low" ? LOW_DETAIL_IMAGE_TOKENS : IMAGE_TOKENS;
  }
  return tokens;
}

export function textTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
