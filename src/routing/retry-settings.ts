import type { Config } from "../config/schema.js";

/** routing.retry (the reasons for its defaults are next to them, in src/config/schema.ts). */
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

export function retrySettingsOf(config: Config): RetrySettings {
  const r = config.routing.retry;
  return {
    maxAttempts: r.max_attempts,
    baseDelayMs: r.base_delay_ms,
    maxDelayMs: r.max_delay_ms,
    budgetMs: r.budget_ms,
  };
}
