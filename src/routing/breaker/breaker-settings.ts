import type { Config } from "../../config/schema.js";

/** routing.breaker (the reasons for its defaults are next to them, in src/config/schema.ts), plus probeLeaseMs. */
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
 * Not configuration: a probe whose outcome is never recorded (replica crashed, client went away) would otherwise
 * hold its slot and keep the breaker half-open for good; 60 s outlasts a normal upstream call.
 */
export const PROBE_LEASE_MS = 60_000;

/** The rolling window is kept as this many counters of windowMs / WINDOW_BUCKETS each. */
export const WINDOW_BUCKETS = 10;

export function breakerSettingsOf(config: Config): BreakerSettings {
  const b = config.routing.breaker;
  return {
    consecutiveFailures: b.consecutive_failures,
    failureRatio: b.failure_ratio,
    minimumRequests: b.minimum_requests,
    windowMs: b.window_ms,
    cooldownMs: b.cooldown_ms,
    halfOpenProbes: b.half_open_probes,
    halfOpenSuccesses: b.half_open_successes,
    probeLeaseMs: PROBE_LEASE_MS,
  };
}

/**
 * A breaker untouched for this long is forgotten (closed, counters gone); in Redis its keys expire then.
 * Never shorter than the window, nor than a cooldown plus a probe lease, so forgetting changes nothing that
 * still matters.
 */
export function idleExpiryMs(settings: BreakerSettings): number {
  return Math.max(10 * 60_000, settings.windowMs, settings.cooldownMs + settings.probeLeaseMs);
}
