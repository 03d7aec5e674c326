import type { Telemetry } from "../../telemetry/events.js";
import type { BreakerSettings } from "./breaker-settings.js";
import type {
  AcquireMode,
  AcquireResult,
  BreakerOutcomeOf,
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

  /** One breaker's permit; see acquireInOrder. */
  async acquire(key: string, mode: AcquireMode = "normal"): Promise<BreakerPermit> {
    const [permit] = await this.acquireInOrder([key], mode);
    return permit ?? { allowed: true, state: "closed" };
  }

  /**
   * The breakers of `keys` in order, until one refuses (one store call, so one Redis round trip): a permit per key
   * taken, the refusal (if any) last. Probe slots taken before a refusal are the caller's to give back.
   */
  async acquireInOrder(keys: readonly string[], mode: AcquireMode = "normal"): Promise<BreakerPermit[]> {
    try {
      const results = await this.store.acquire(keys, this.clock(), this.options.settings(), mode);
      return results.map(({ transition, ...permit }, i) => {
        this.announce(keys[i], transition);
        return permit;
      });
    } catch (err) {
      this.options.onStoreError?.(err, "acquire");
      return keys.map(() => ({ allowed: true, state: "closed" }));
    }
  }

  /** Only for upstream faults; the caller decides what counts (a client error is not the upstream's fault). */
  async recordFailure(key: string): Promise<BreakerState> {
    return (await this.record([{ key, outcome: "failure" }]))[0] ?? "closed";
  }

  async recordSuccess(key: string): Promise<BreakerState> {
    return (await this.record([{ key, outcome: "success" }]))[0] ?? "closed";
  }

  /** An attempt that tells nothing of the upstream's health; a half-open breaker gets its probe slot back. */
  async recordNeutral(key: string): Promise<BreakerState> {
    return (await this.record([{ key, outcome: "neutral" }]))[0] ?? "closed";
  }

  /** Outcomes of several breakers in one store call (one Redis round trip): the state of each after it. */
  async record(outcomes: readonly BreakerOutcomeOf[]): Promise<BreakerState[]> {
    if (outcomes.length === 0) return [];
    try {
      const results = await this.store.record(outcomes, this.clock(), this.options.settings());
      return results.map(({ state, transition }, i) => {
        this.announce(outcomes[i]?.key, transition);
        return state;
      });
    } catch (err) {
      this.options.onStoreError?.(err, "record");
      return outcomes.map(() => "closed");
    }
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

  private announce(key: string | undefined, transition: BreakerTransition | undefined): void {
    if (key !== undefined && transition) this.telemetry.emit("breaker.transition", { key, ...transition });
  }
}
