import { acquireOn, freshSnapshot, isIdle, observedState, recordOn, type BreakerSnapshot } from "./breaker-machine.js";
import { idleExpiryMs, type BreakerSettings } from "./breaker-settings.js";
import type {
  AcquireMode,
  AcquireResult,
  BreakerOutcome,
  BreakerOutcomeOf,
  BreakerState,
  BreakerStore,
  RecordResult,
} from "./breaker-store.js";

/** Breakers for a single gateway process. Calls are synchronous underneath, hence atomic. */
export class MemoryBreakerStore implements BreakerStore {
  private readonly breakers = new Map<string, BreakerSnapshot>();
  /** Breaker key → when its backoff ends. */
  private readonly backoffs = new Map<string, number>();

  async acquire(
    keys: readonly string[],
    now: number,
    settings: BreakerSettings,
    mode?: AcquireMode,
  ): Promise<AcquireResult[]> {
    const results: AcquireResult[] = [];
    for (const key of keys) {
      const result = this.acquireOne(key, now, settings, mode);
      results.push(result);
      if (!result.allowed) break;
    }
    return results;
  }

  async record(outcomes: readonly BreakerOutcomeOf[], now: number, settings: BreakerSettings): Promise<RecordResult[]> {
    return outcomes.map(({ key, outcome }) => this.recordOne(key, outcome, now, settings));
  }

  async backOff(key: string, until: number, now: number): Promise<void> {
    for (const [other, end] of this.backoffs) if (end <= now) this.backoffs.delete(other);
    if (until > now) this.backoffs.set(key, until);
  }

  async state(key: string, now: number, settings: BreakerSettings): Promise<BreakerState> {
    const idleMs = idleExpiryMs(settings);
    return observedState(this.live(key, now, idleMs), now, idleMs);
  }

  async states(now: number, settings: BreakerSettings): Promise<Record<string, BreakerState>> {
    const idleMs = idleExpiryMs(settings);
    const states: Record<string, BreakerState> = {};
    for (const key of [...this.breakers.keys()]) {
      const snapshot = this.live(key, now, idleMs);
      if (snapshot) states[key] = observedState(snapshot, now, idleMs);
    }
    return states;
  }

  async close(): Promise<void> {
    this.breakers.clear();
    this.backoffs.clear();
  }

  private acquireOne(key: string, now: number, settings: BreakerSettings, mode?: AcquireMode): AcquireResult {
    const snapshot = this.live(key, now, idleExpiryMs(settings));
    const backoffUntil = this.backoffs.get(key) ?? 0;
    if (now < backoffUntil) {
      return {
        allowed: false,
        state: observedState(snapshot, now, idleExpiryMs(settings)),
        retryAfterMs: backoffUntil - now,
        backingOff: true,
      };
    }
    return snapshot ? acquireOn(snapshot, now, settings, mode) : { allowed: true, state: "closed" };
  }

  private recordOne(key: string, outcome: BreakerOutcome, now: number, settings: BreakerSettings): RecordResult {
    let snapshot = this.live(key, now, idleExpiryMs(settings));
    if (!snapshot) {
      if (outcome === "neutral") return { state: "closed" };
      snapshot = freshSnapshot(now);
      this.breakers.set(key, snapshot);
    }
    return recordOn(snapshot, outcome, now, settings);
  }

  /** The key's state, unless it has been idle long enough to be forgotten (as Redis would expire it). */
  private live(key: string, now: number, idleMs: number): BreakerSnapshot | undefined {
    const snapshot = this.breakers.get(key);
    if (snapshot && isIdle(snapshot, now, idleMs)) {
      this.breakers.delete(key);
      return undefined;
    }
    return snapshot;
  }
}
