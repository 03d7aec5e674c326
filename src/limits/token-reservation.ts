import type { TenantLimits } from "./types.js";

/**
 * The tokens a slot reserves against the per-minute token budget. An estimate beyond the whole budget reserves the
 * whole budget: release reconciles the reservation with the real usage anyway, and a larger one (`max_tokens:
 * 1e29`) would push the budget's state beyond float precision (the refund would not cancel the charge) and beyond
 * the range of a Redis expiry.
 */
export function tokensToReserve(estimatedTokens: number, limits: TenantLimits): number {
  return limits.tokensPerMinute === undefined ? estimatedTokens : Math.min(estimatedTokens, limits.tokensPerMinute);
}
