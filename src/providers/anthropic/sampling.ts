import type { ChatRequest } from "../types.js";

/**
 * Anthropic's temperature range was 0..1, OpenAI's is 0..2. A temperature above 1 becomes 1 — clamped, not
 * scaled: both APIs treat 1 as the model's natural distribution and below it the numbers mean much the same,
 * so halving every value would change requests that were fine; above 1 the client asks for "more random than
 * natural", and 1 is the most random Anthropic allowed.
 */
export const ANTHROPIC_MAX_TEMPERATURE = 1;

export interface SamplingParams {
  temperature?: number;
  top_p?: number;
}

/**
 * The sampling parameters as API version 2023-06-01 took them: temperature clamped to 0..1, and only one of
 * temperature and top_p (Claude 4.x models refuse both together; temperature wins, being the one clients set).
 *
 * API version 2026-10-21 — the one `@anthropic-ai/sdk` 1.x sends in `anthropic-version`, and whose request types
 * no longer have these fields — removed temperature, top_p and top_k: any of them, even temperature 1, is a
 * 400 "Extra inputs are not permitted". toAnthropicRequest therefore leaves them out unless asked to send them
 * (for an upstream pinned to 2023-06-01).
 */
export function samplingParams(request: ChatRequest): SamplingParams {
  if (request.temperature != null) return { temperature: Math.min(request.temperature, ANTHROPIC_MAX_TEMPERATURE) };
  if (request.top_p != null) return { top_p: request.top_p };
  return {};
}
