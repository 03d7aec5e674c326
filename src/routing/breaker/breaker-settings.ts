export interface BreakerSettings {
  /** Opens after this many failures in a row. */
  consecutiveFailures: number;
  /** Opens when failures / requests over the window reach this (0–1)… */
  failureRatio: number;
  /** …and the window holds at least this many requests. */
  minimumRequests: number;
  /** The rolling window for the ratio, counted in WINDOW_BUCKETS buckets. */
  windowMs: number;
  /** How long an open breaker refuses everything before it lets probes through (half-open). */
  cooldownMs: number;
  /** How many probe requests a half-open breaker lets through at once. */
  halfOpenProbes: number;
  /** How many probes in a row must succeed to close it again. */
  halfOpenSuccesses: number;
  /** A probe slot whose outcome never arrives is given back after this long. */
  probeLeaseMs: number;
}

/**
 * Why these numbers:
 * - consecutiveFailures 5: the retry policy already absorbs a blip or two; five failures with no success in
 *   between is an outage, and at low traffic (below minimumRequests) it is the only rule that can trip.
 * - failureRatio 0.5, minimumRequests 10, windowMs 30 s: in a brownout successes interleave and keep the
 *   consecutive count low; when half the calls fail clients are better served by another candidate. Ten
 *   requests keeps "1 of 2 failed" from opening it; 30 s is long enough to gather them at modest traffic and
 *   short enough to describe the provider now, not an incident that is over.
 * - cooldownMs 15 s: provider incidents (overload, rate-limit storms) last seconds to minutes; probing every
 *   15 s costs a handful of requests per minute per key and notices recovery quickly.
 * - halfOpenProbes 1: a probe is a real user request that may fail, so risk one at a time.
 * - halfOpenSuccesses 2: one success in a 50 % brownout is a coin toss; two in a row is evidence.
 * - probeLeaseMs 60 s (added): a probe whose outcome is never recorded (replica crashed, client went away)
 *   would otherwise hold its slot and keep the breaker half-open for good; 60 s outlasts a normal upstream call.
 */
export const DEFAULT_BREAKER_SETTINGS: Readonly<BreakerSettings> = Object.freeze({
  consecutiveFailures: 5,
  failureRatio: 0.5,
  minimumRequests: 10,
  windowMs: 30_000,
  cooldownMs: 15_000,
  halfOpenProbes: 1,
  halfOpenSuccesses: 2,
  probeLeaseMs: 60_000,
});

/** The rolling window is kept as this many counters of windowMs / WINDOW_BUCKETS each. */
export const WINDOW_BUCKETS = 10;

export function breakerSettings(overrides: Partial<BreakerSettings> = {}): BreakerSettings {
  const settings = { ...DEFAULT_BREAKER_SETTINGS, ...overrides };
  const positiveIntegers = [
    "consecutiveFailures",
    "minimumRequests",
    "windowMs",
    "cooldownMs",
    "halfOpenProbes",
    "halfOpenSuccesses",
    "probeLeaseMs",
  ] as const;
  for (const name of positiveIntegers) {
    if (!Number.isInteger(settings[name]) || settings[name] < 1)
      throw new Error(`breaker setting ${name} must be a positive integer, got ${settings[name]}`);
  }
  if (!(settings.failureRatio > 0 && settings.failureRatio <= 1))
    throw new Error(`breaker setting failureRatio must be in (0, 1], got ${settings.failureRatio}`);
  return settings;
}

/**
 * A breaker untouched for this long is forgotten (closed, counters gone); in Redis its keys expire then.
 * Never shorter than the window, nor than a cooldown plus a probe lease, so forgetting changes nothing that
 * still matters.
 */
export function idleExpiryMs(settings: BreakerSettings): number {
  return Math.max(10 * 60_000, settings.windowMs, settings.cooldownMs + settings.probeLeaseMs);
}
