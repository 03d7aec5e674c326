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

/**
 * Where breaker state lives: this process's memory, or a Redis that replicas share. Every call is atomic per
 * key, and a transition is reported to exactly one caller. `now` is the caller's clock (Date.now()); the
 * settings come with every call, so an edit of routing.breaker applies to the next one.
 */
export interface BreakerStore {
  /** May a request go through now? In half_open this takes a probe slot. */
  acquire(key: string, now: number, settings: BreakerSettings, mode?: AcquireMode): Promise<AcquireResult>;
  /** The outcome of a request that went through. Outcomes arriving while open are ignored. */
  record(key: string, outcome: BreakerOutcome, now: number, settings: BreakerSettings): Promise<RecordResult>;
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
