export interface RetrySettings {
  /** Attempts on one candidate (model on a provider), the first included. */
  maxAttempts: number;
  /** The backoff before the first retry is drawn from [0, baseDelayMs); it doubles per retry. */
  baseDelayMs: number;
  /** The backoff never exceeds this; neither does a retry-after we are willing to wait for. */
  maxDelayMs: number;
  /** No new attempt, on any candidate, starts once the request is this old. */
  budgetMs: number;
}

/**
 * Why these numbers:
 * - maxAttempts 2 per candidate: one retry absorbs a blip (connection reset, a lone 502). A second failure in a
 *   row is more likely an incident, where the next candidate has better odds than a third try. And the client
 *   SDKs in front of us retry too (openai and @anthropic-ai/sdk: 2 retries by default), so every retry here
 *   is multiplied by theirs against a struggling upstream.
 * - baseDelayMs 500, maxDelayMs 8000: the official SDKs' own backoff bounds. Full jitter keeps replicas and
 *   clients from retrying in lockstep. A retry-after above 8 s means "go elsewhere": another candidate
 *   answers sooner, and without one the client gets the error with its retry-after at once.
 * - budgetMs 30 s: past that a person waiting on a chat answer would rather see the error; an attempt already
 *   running is not cut short (long generations take minutes), but none starts after it.
 */
export const DEFAULT_RETRY_SETTINGS: Readonly<RetrySettings> = Object.freeze({
  maxAttempts: 2,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  budgetMs: 30_000,
});
