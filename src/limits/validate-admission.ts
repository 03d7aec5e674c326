import type { LimiterRequest } from "./types.js";

function isPositiveFinite(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

/** Limits come from configuration; a nonsensical one is a programming error, not a refusal. */
export function validateAdmission({ tenant, limits, estimatedTokens }: LimiterRequest): void {
  if (tenant === "") throw new RangeError("tenant must not be empty");
  if (!Number.isInteger(limits.maxConcurrency) || limits.maxConcurrency < 0) {
    throw new RangeError(`maxConcurrency must be a non-negative integer, got ${limits.maxConcurrency}`);
  }
  if (limits.requestsPerMinute !== undefined && !isPositiveFinite(limits.requestsPerMinute)) {
    throw new RangeError(`requestsPerMinute must be positive, got ${limits.requestsPerMinute}`);
  }
  if (limits.tokensPerMinute !== undefined && !isPositiveFinite(limits.tokensPerMinute)) {
    throw new RangeError(`tokensPerMinute must be positive, got ${limits.tokensPerMinute}`);
  }
  if (!Number.isFinite(estimatedTokens) || estimatedTokens < 0) {
    throw new RangeError(`estimatedTokens must be a non-negative number, got ${estimatedTokens}`);
  }
}
