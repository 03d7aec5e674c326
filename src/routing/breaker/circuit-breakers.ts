import type { Telemetry } from "../../telemetry/events.js";
import type { BreakerSettings } from "./breaker-settings.js";
import type {
  AcquireMode,
  AcquireResult,
  BreakerOutcome,
  BreakerState,
  BreakerStore,
  BreakerTransition,
} from "./breaker-store.js";

export interface CircuitBreakersOptions {
  /** routing.breaker as it is now: read on every call, so an edit applies to the next one. */
  settings: () => BreakerSettings;
  /** Milliseconds since the epoch; replicas sharing a Redis need synchronized clocks. */
  clock?: () => number;
  /** Told when the store failed and the breaker let the request through regardless. */
  onStoreError?: (error: unknown, operation: "acquire" | "record") => void;
}

export type BreakerPermit = Omit<AcquireResult, "transition">;

/**
 * The breakers the router consults, one per key ("openai", "openai:gpt-4o"). Emits "breaker.transition" once
 * per transition: the store reports each one to the single caller that caused it.
 *
 * When the store fails (Redis unreachable) acquire and record fail open: the request goes through as if the
 * breaker were closed. A breaker protects against a failing upstream; it must not become one. state() and
 * states() do throw, so /health shows the problem.
 */
export class CircuitBreakers {
  private readonly clock: () => number;

  constructor(
    private readonly store: BreakerStore,
    private readonly telemetry: Telemetry,
    private readonly options: CircuitBreakersOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  async acquire(key: string, mode: AcquireMode = "normal"): Promise<BreakerPermit> {
    try {
      const { transition, ...permit } = await this.store.acquire(key, this.clock(), this.options.settings(), mode);
      this.announce(key, transition);
      return permit;
    } catch (err) {
      this.options.onStoreError?.(err, "acquire");
      return { allowed: true, state: "closed" };
    }
  }

  /** Only for upstream faults; the caller decides what counts (a client error is not the upstream's fault). */
  recordFailure(key: string): Promise<BreakerState> {
    return this.record(key, "failure");
  }

  recordSuccess(key: string): Promise<BreakerState> {
    return this.record(key, "success");
  }

  /** An attempt that tells nothing of the upstream's health; a half-open breaker gets its probe slot back. */
  recordNeutral(key: string): Promise<BreakerState> {
    return this.record(key, "neutral");
  }

  /**
   * The upstream asked to wait (429 with retry-after): refuse the key for that long, counting no failure. Fails
   * open like the rest: a backoff that could not be stored is only a request more for the upstream to refuse.
   */
  async backOff(key: string, retryAfterMs: number): Promise<void> {
    const now = this.clock();
    try {
      await this.store.backOff(key, now + retryAfterMs, now);
    } catch (err) {
      this.options.onStoreError?.(err, "record");
    }
  }

  state(key: string): Promise<BreakerState> {
    return this.store.state(key, this.clock(), this.options.settings());
  }

  states(): Promise<Record<string, BreakerState>> {
    return this.store.states(this.clock(), this.options.settings());
  }

  private async record(key: string, outcome: BreakerOutcome): Promise<BreakerState> {
    try {
      const { state, transition } = await this.store.record(key, outcome, this.clock(), this.options.settings());
      this.announce(key, transition);
      return state;
    } catch (err) {
      this.options.onStoreError?.(err, "record");
      return "closed";
    }
  }

  private announce(key: string, transition: BreakerTransition | undefined): void {
    if (transition) this.telemetry.emit("breaker.transition", { key, ...transition });
  }
}
