import type {
  Usage as AnthropicUsage,
  MessageDeltaUsage,
  OutputTokensDetails,
} from "@anthropic-ai/sdk/resources/messages";
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

/**
 * The other direction, for Anthropic clients answered by an OpenAI-compatible model (the inverse of toUsage):
 * OpenAI's `prompt_tokens` includes the cached part, Anthropic's `input_tokens` does not, so input = prompt -
 * cached and `cache_read_input_tokens` = cached. OpenAI caches without a separate write, so cache writes are 0.
 * Reasoning tokens are Anthropic's thinking tokens. Fields OpenAI has no counterpart for are null. An upstream
 * that reported no usage gives zeros: Anthropic's Message always has usage.
 */
export function toAnthropicUsage(usage: Usage | null | undefined): AnthropicUsage {
  const counts = anthropicCounts(usage);
  return {
    input_tokens: counts.input_tokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: counts.cache_read_input_tokens,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: counts.output_tokens,
    output_tokens_details: counts.output_tokens_details,
    server_tool_use: null,
    service_tier: null,
    inference_geo: null,
    speed: null,
  };
}

/**
 * A stream's final usage, as message_delta carries it (cumulative counts the Anthropic SDK takes as they are).
 * Without usage from the upstream, the input counts are null (the SDK then keeps message_start's) and output is 0.
 */
export function toAnthropicDeltaUsage(usage: Usage | null | undefined): MessageDeltaUsage {
  if (usage == null) {
    return {
      input_tokens: null,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      output_tokens: 0,
      output_tokens_details: null,
      server_tool_use: null,
    };
  }
  const counts = anthropicCounts(usage);
  return { ...counts, cache_creation_input_tokens: 0, server_tool_use: null };
}

function anthropicCounts(usage: Usage | null | undefined): {
  input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  output_tokens_details: OutputTokensDetails | null;
} {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const reasoning = usage?.completion_tokens_details?.reasoning_tokens;
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached),
    cache_read_input_tokens: cached,
    output_tokens: usage?.completion_tokens ?? 0,
    output_tokens_details: typeof reasoning === "number" ? { thinking_tokens: reasoning } : null,
  };
}
