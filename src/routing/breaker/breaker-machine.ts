import { WINDOW_BUCKETS, type BreakerSettings } from "./breaker-settings.js";
import type {
  AcquireMode,
  AcquireResult,
  BreakerOutcome,
  BreakerState,
  BreakerTransition,
  RecordResult,
} from "./breaker-store.js";

/*
 * The breaker state machine over one key's state. MemoryBreakerStore runs it as is; the Lua scripts in
 * breaker-scripts.ts are the same machine for Redis (keep the two in step — the shared test suite checks it).
 */

/** What `state()` needs to know; both stores can read it cheaply. */
export interface StoredState {
  state: BreakerState;
  /** Open: when the cooldown ends. */
  reopenAt: number;
  /** The last write; after idleExpiryMs without one the breaker is forgotten. */
  touchedAt: number;
}

export interface WindowBucket {
  requests: number;
  failures: number;
}

export interface BreakerSnapshot extends StoredState {
  consecutiveFailures: number;
  /** Half-open: probes let through whose outcome has not arrived. */
  probesInFlight: number;
  /** Half-open: after this, probes in flight are presumed lost and their slots are free again. */
  probeLeaseUntil: number;
  /** Half-open: probes that succeeded in a row. */
  probeSuccesses: number;
  /** Closed: request and failure counts by bucket id (floor(now / bucket length)). */
  window: Map<number, WindowBucket>;
  /** The window length the bucket ids were counted with; when the setting changes, the window starts afresh. */
  windowMs: number;
}

export function freshSnapshot(now: number, state: BreakerState = "closed"): BreakerSnapshot {
  return {
    state,
    reopenAt: 0,
    touchedAt: now,
    consecutiveFailures: 0,
    probesInFlight: 0,
    probeLeaseUntil: 0,
    probeSuccesses: 0,
    window: new Map(),
    windowMs: 0,
  };
}

export function isIdle(stored: StoredState, now: number, idleMs: number): boolean {
  return now - stored.touchedAt >= idleMs;
}

export function observedState(stored: StoredState | undefined, now: number, idleMs: number): BreakerState {
  if (!stored || isIdle(stored, now, idleMs)) return "closed";
  if (stored.state === "open" && now >= stored.reopenAt) return "half_open";
  return stored.state;
}

export const transitionReasons = {
  consecutiveFailures: (count: number) => `${count} consecutive failures`,
  failureRatio: (failures: number, requests: number, windowMs: number) =>
    `${failures} of ${requests} requests failed within ${windowMs} ms`,
  cooldownElapsed: (cooldownMs: number) => `cooldown of ${cooldownMs} ms elapsed`,
  lastResort: () => "probe ahead of the cooldown: a request had no other candidate",
  probeFailed: () => "probe failed",
  probesSucceeded: (count: number) => `${count} probes succeeded in a row`,
};

/** Mutates `s`. A backoff is not part of the state: the stores check it before. */
export function acquireOn(
  s: BreakerSnapshot,
  now: number,
  settings: BreakerSettings,
  mode: AcquireMode = "normal",
): AcquireResult {
  if (s.state === "closed") return { allowed: true, state: "closed" };
  const lastResort = mode === "last_resort";
  let transition: BreakerTransition | undefined;
  if (s.state === "open") {
    const early = now < s.reopenAt;
    if (early && !lastResort) return { allowed: false, state: "open", retryAfterMs: s.reopenAt - now };
    Object.assign(s, freshSnapshot(now, "half_open"));
    const reason = early ? transitionReasons.lastResort() : transitionReasons.cooldownElapsed(settings.cooldownMs);
    transition = { from: "open", to: "half_open", reason };
  }
  if (now >= s.probeLeaseUntil) s.probesInFlight = 0;
  // No retryAfterMs when the probe slots are taken: it depends on the probes' outcome, not on a clock.
  if (s.probesInFlight >= settings.halfOpenProbes && !lastResort) {
    return { allowed: false, state: "half_open", transition };
  }
  s.probesInFlight += 1;
  s.probeLeaseUntil = now + settings.probeLeaseMs;
  s.touchedAt = now;
  return { allowed: true, state: "half_open", transition };
}

/** Mutates `s`. */
export function recordOn(
  s: BreakerSnapshot,
  outcome: BreakerOutcome,
  now: number,
  settings: BreakerSettings,
): RecordResult {
  // A late answer to a request let through before the breaker opened: the cooldown stands either way.
  if (s.state === "open") return { state: "open" };
  if (outcome === "neutral") {
    if (s.state === "half_open") {
      s.probesInFlight = Math.max(0, s.probesInFlight - 1);
      s.touchedAt = now;
    }
    return { state: s.state };
  }
  s.touchedAt = now;
  return s.state === "half_open" ? recordProbe(s, outcome, now, settings) : recordClosed(s, outcome, now, settings);
}

function recordProbe(
  s: BreakerSnapshot,
  outcome: BreakerOutcome,
  now: number,
  settings: BreakerSettings,
): RecordResult {
  if (outcome === "failure") return open(s, "half_open", transitionReasons.probeFailed(), now, settings);
  s.probesInFlight = Math.max(0, s.probesInFlight - 1);
  s.probeSuccesses += 1;
  if (s.probeSuccesses < settings.halfOpenSuccesses) return { state: "half_open" };
  const reason = transitionReasons.probesSucceeded(s.probeSuccesses);
  Object.assign(s, freshSnapshot(now, "closed"));
  return { state: "closed", transition: { from: "half_open", to: "closed", reason } };
}

function recordClosed(
  s: BreakerSnapshot,
  outcome: BreakerOutcome,
  now: number,
  settings: BreakerSettings,
): RecordResult {
  if (s.windowMs !== settings.windowMs) {
    // Bucket ids of another window length are not comparable with this one's.
    s.window.clear();
    s.windowMs = settings.windowMs;
  }
  const bucket = Math.floor(now / (settings.windowMs / WINDOW_BUCKETS));
  for (const id of s.window.keys()) if (id <= bucket - WINDOW_BUCKETS) s.window.delete(id);
  const counts = s.window.get(bucket) ?? { requests: 0, failures: 0 };
  s.window.set(bucket, counts);
  counts.requests += 1;
  if (outcome === "success") {
    s.consecutiveFailures = 0;
    return { state: "closed" };
  }
  counts.failures += 1;
  s.consecutiveFailures += 1;
  if (s.consecutiveFailures >= settings.consecutiveFailures) {
    return open(s, "closed", transitionReasons.consecutiveFailures(s.consecutiveFailures), now, settings);
  }
  let requests = 0;
  let failures = 0;
  for (const b of s.window.values()) {
    requests += b.requests;
    failures += b.failures;
  }
  if (requests >= settings.minimumRequests && failures >= settings.failureRatio * requests) {
    return open(s, "closed", transitionReasons.failureRatio(failures, requests, settings.windowMs), now, settings);
  }
  return { state: "closed" };
}

function open(
  s: BreakerSnapshot,
  from: BreakerState,
  reason: string,
  now: number,
  settings: BreakerSettings,
): RecordResult {
  Object.assign(s, freshSnapshot(now, "open"), { reopenAt: now + settings.cooldownMs });
  return { state: "open", transition: { from, to: "open", reason } };
}
