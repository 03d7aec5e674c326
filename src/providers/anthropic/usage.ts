import type { OutputTokensDetails } from "@anthropic-ai/sdk/resources/messages";
import type { Usage } from "../types.js";

/** The token counts of Anthropic's `usage` (a Message's, or message_start's merged with message_delta's). */
export interface AnthropicTokenCounts {
  input_tokens: number | null;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
  output_tokens: number;
  output_tokens_details?: OutputTokensDetails | null;
}

/**
 * OpenAI usage from Anthropic's. Anthropic's `input_tokens` excludes the cached part, OpenAI's `prompt_tokens`
 * includes it: prompt = input + cache writes + cache reads, of which `cached_tokens` = cache reads.
 * Thinking tokens, when reported, are OpenAI's reasoning tokens (already inside `output_tokens`).
 */
export function toUsage(counts: AnthropicTokenCounts): Usage {
  const cacheRead = counts.cache_read_input_tokens ?? 0;
  const promptTokens = (counts.input_tokens ?? 0) + (counts.cache_creation_input_tokens ?? 0) + cacheRead;
  const completionTokens = counts.output_tokens;
  const usage: Usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
  const thinking = counts.output_tokens_details?.thinking_tokens;
  if (typeof thinking === "number") usage.completion_tokens_details = { reasoning_tokens: thinking };
  return usage;
}
