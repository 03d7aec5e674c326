import type { BreakerState } from "../../telemetry/events.js";
import type { BreakerSettings } from "./breaker-settings.js";

export type { BreakerState };
/**
 * What an attempt that went through tells of the upstream. `neutral`: nothing (a client error, a rate limit, the
 * gateway's own failure, a client that left); a half-open breaker gets its probe slot back.
 */
export type BreakerOutcome = "success" | "failure" | "neutral";

/**
 * `last_resort`: the request has no other candidate left, so only a backoff refuses it; an open breaker lets it
 * through as a probe ahead of its cooldown, a half-open one even when its probe slots are taken.
 */
export type AcquireMode = "normal" | "last_resort";

export interface BreakerTransition {
  from: BreakerState;
  to: BreakerState;
  reason: string;
}

export interface AcquireResult {
  allowed: boolean;
  state: BreakerState;
  /** When refused by an open breaker: how long until it lets a probe through; by a backoff: until it ends. */
  retryAfterMs?: number;
  /** Refused because the upstream asked to wait (see backOff), not by the breaker's state. */
  backingOff?: true;
  /** Set for the one caller whose acquire moved the breaker (open → half_open). */
  transition?: BreakerTransition;
}

export interface RecordResult {
  state: BreakerState;
  /** Set for the one caller whose outcome moved the breaker. */
  transition?: BreakerTransition;
}

/** One breaker's outcome, for record(). */
export interface BreakerOutcomeOf {
  key: string;
  outcome: BreakerOutcome;
}

/**
 * Where breaker state lives: this process's memory, or a Redis that replicas share. A call takes several keys (a
 * request's provider and model) in one step, atomic over those keys, and a transition is reported to exactly one
 * caller. `now` is the caller's clock (Date.now()); the settings come with every call, so an edit of
 * routing.breaker applies to the next one.
 */
export interface BreakerStore {
  /**
   * May a request go through the breakers of `keys` now? Takes them in order until one refuses: one result per key
   * taken, the refusal (if any) last. In half_open this takes a probe slot, which a later refusal does not give back.
   */
  acquire(
    keys: readonly string[],
    now: number,
    settings: BreakerSettings,
    mode?: AcquireMode,
  ): Promise<AcquireResult[]>;
  /** The outcomes of a request that went through, one result per entry. Outcomes arriving while open are ignored. */
  record(outcomes: readonly BreakerOutcomeOf[], now: number, settings: BreakerSettings): Promise<RecordResult[]>;
  /**
   * Refuses every acquire until `until` (an upstream's retry-after), counting nothing: the state stays as it is.
   * A later backoff replaces an earlier one.
   */
  backOff(key: string, until: number, now: number): Promise<void>;
  /** The state as an acquire would see it (open past its cooldown reads half_open), without taking a probe. */
  state(key: string, now: number, settings: BreakerSettings): Promise<BreakerState>;
  /** Every key with recent outcomes. */
  states(now: number, settings: BreakerSettings): Promise<Record<string, BreakerState>>;
  close(): Promise<void>;
}
