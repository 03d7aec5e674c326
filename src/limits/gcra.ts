/**
 * Per-minute limits as GCRA (generic cell rate algorithm). The whole state of one budget is a single number,
 * the theoretical arrival time (TAT): the instant at which the budget would be entirely free again. Admitting
 * `cost` units pushes it by `cost × WINDOW_MS / limit`; that is allowed while the pushed TAT stays within one
 * window of now. It is a token bucket of `limit` units refilling continuously at `limit` per minute: no window
 * edges to burst across, O(1) state, and exact values for Retry-After, remaining and reset.
 *
 * The Lua in redis-scripts.ts mirrors these functions line for line; the shared test suite holds both to the
 * same numbers.
 */
export const WINDOW_MS = 60_000;

/** Absolute timestamps (~1.7e12 ms) carry rounding of ~1e-4 ms per step; this tolerance absorbs it. */
export const TOLERANCE_MS = 0.01;

export type RateCheck = { allowed: true; tat: number } | { allowed: false; waitMs: number };

export interface RateState {
  limit: number;
  remaining: number;
  resetMs: number;
}

function emissionInterval(limit: number): number {
  return WINDOW_MS / limit;
}

/**
 * `tat` is the charged TAT when allowed. A cost larger than the whole budget could never fit; it is admitted
 * once the budget is untouched (and leaves it in debt) rather than refused forever.
 */
export function checkRate(storedTat: number | undefined, limit: number, cost: number, now: number): RateCheck {
  const interval = emissionInterval(limit);
  const base = Math.max(storedTat ?? now, now);
  const waitMs = base - now + Math.min(cost, limit) * interval - WINDOW_MS;
  if (waitMs > TOLERANCE_MS) return { allowed: false, waitMs: Math.ceil(waitMs) };
  return { allowed: true, tat: base + cost * interval };
}

export function rateState(storedTat: number | undefined, limit: number, now: number): RateState {
  const ahead = Math.max((storedTat ?? now) - now, 0);
  return {
    limit,
    remaining: Math.max(Math.floor((WINDOW_MS - ahead + TOLERANCE_MS) / emissionInterval(limit)), 0),
    resetMs: Math.max(Math.ceil(ahead - TOLERANCE_MS), 0),
  };
}

/**
 * Reconciles a reservation with the real usage (`delta` = actual − reserved units). A refund is applied as if
 * the real amount had been charged at admission (a TAT pushed into the past just means "fully free"); an extra
 * charge is taken now, so usage reported late is not forgiven. Returns undefined when nothing is left to store.
 */
export function reconcileRate(
  storedTat: number | undefined,
  limit: number,
  delta: number,
  now: number,
): number | undefined {
  const interval = emissionInterval(limit);
  if (delta < 0) {
    if (storedTat === undefined) return undefined;
    const tat = storedTat + delta * interval;
    return tat > now ? tat : undefined;
  }
  return Math.max(storedTat ?? now, now) + delta * interval;
}

export function waitMsOf(check: RateCheck | undefined): number {
  return check === undefined || check.allowed ? 0 : check.waitMs;
}
