import type { RateState } from "./gcra.js";
import type { LimitSnapshot } from "./types.js";

export function buildSnapshot(
  inFlight: number,
  maxConcurrency: number,
  requests: RateState | undefined,
  tokens: RateState | undefined,
): LimitSnapshot {
  return {
    inFlight,
    maxConcurrency,
    ...(requests && {
      limitRequests: requests.limit,
      remainingRequests: requests.remaining,
      resetRequestsMs: requests.resetMs,
    }),
    ...(tokens && { limitTokens: tokens.limit, remainingTokens: tokens.remaining, resetTokensMs: tokens.resetMs }),
  };
}
