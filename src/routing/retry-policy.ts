import { isRetryable } from "../errors/gateway-error.js";
import { retryDelayMs } from "../resilience/backoff.js";
import type { RetrySettings } from "./retry-settings.js";

export type RetryStep =
  /** Try the same candidate again after delayMs. */
  | { action: "retry"; delayMs: number }
  /** Move on to the next candidate now (or fail with this error if there is none). */
  | { action: "failover"; reason: "attempts_exhausted" | "wait_too_long" }
  /** Stop: answer with this error as is. */
  | { action: "fail"; reason: "not_retryable" | "budget_exhausted" };

export interface RetryContext {
  /** The attempt on this candidate that just failed, 1-based. */
  attempt: number;
  /** Since the request started, across all candidates. */
  elapsedMs: number;
  error: unknown;
  settings: RetrySettings;
  random?: () => number;
}

/** What the router does after a failed attempt. The one place retries are decided. */
export function nextStep({ attempt, elapsedMs, error, settings, random = Math.random }: RetryContext): RetryStep {
  if (!isRetryable(error)) return { action: "fail", reason: "not_retryable" };
  const remainingMs = settings.budgetMs - elapsedMs;
  if (remainingMs <= 0) return { action: "fail", reason: "budget_exhausted" };
  if (attempt >= settings.maxAttempts) return { action: "failover", reason: "attempts_exhausted" };
  const { retryAfterMs } = error;
  // An upstream that asks for a longer wait than we would ever back off is better left for another candidate.
  if (retryAfterMs !== undefined && retryAfterMs > settings.maxDelayMs)
    return { action: "failover", reason: "wait_too_long" };
  const delayMs = retryDelayMs(attempt, settings, retryAfterMs, random);
  // Waiting out the rest of the budget would leave no time for the attempt itself.
  if (delayMs >= remainingMs) return { action: "failover", reason: "wait_too_long" };
  return { action: "retry", delayMs };
}
