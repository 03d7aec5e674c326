import type { LimitSnapshot } from "./types.js";

/** OpenAI's way of writing a duration: `20ms`, `1s`, `6m0s`. */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${seconds % 60}s` : `${seconds}s`;
}

/**
 * OpenAI's rate-limit headers from a limiter snapshot. A tenant with a per-minute request limit reports it;
 * one with only a concurrency limit reports that (remaining = free slots, reset = 0s).
 */
export function rateLimitHeaders(snapshot: LimitSnapshot): Record<string, string> {
  const perMinute = snapshot.limitRequests !== undefined;
  const headers: Record<string, string> = {
    "x-ratelimit-limit-requests": String(perMinute ? snapshot.limitRequests : snapshot.maxConcurrency),
    "x-ratelimit-remaining-requests": String(
      Math.max(0, perMinute ? (snapshot.remainingRequests ?? 0) : snapshot.maxConcurrency - snapshot.inFlight),
    ),
    "x-ratelimit-reset-requests": formatReset(perMinute ? (snapshot.resetRequestsMs ?? 0) : 0),
  };
  if (snapshot.limitTokens !== undefined) {
    headers["x-ratelimit-limit-tokens"] = String(snapshot.limitTokens);
    headers["x-ratelimit-remaining-tokens"] = String(Math.max(0, snapshot.remainingTokens ?? 0));
    headers["x-ratelimit-reset-tokens"] = formatReset(snapshot.resetTokensMs ?? 0);
  }
  return headers;
}
