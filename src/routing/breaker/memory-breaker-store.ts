import { acquireOn, freshSnapshot, isIdle, observedState, recordOn, type BreakerSnapshot } from "./breaker-machine.js";
import { breakerSettings, idleExpiryMs, type BreakerSettings } from "./breaker-settings.js";
import type { AcquireResult, BreakerOutcome, BreakerState, BreakerStore, RecordResult } from "./breaker-store.js";

/** Breakers for a single gateway process. Calls are synchronous underneath, hence atomic. */
export class MemoryBreakerStore implements BreakerStore {
  private readonly breakers = new Map<string, BreakerSnapshot>();
  private readonly settings: BreakerSettings;
  private readonly idleMs: number;

  constructor(settings: Partial<BreakerSettings> = {}) {
    this.settings = breakerSettings(settings);
    this.idleMs = idleExpiryMs(this.settings);
  }

  async acquire(key: string, now: number): Promise<AcquireResult> {
    const snapshot = this.live(key, now);
    return snapshot ? acquireOn(snapshot, now, this.settings) : { allowed: true, state: "closed" };
  }

  async record(key: string, outcome: BreakerOutcome, now: number): Promise<RecordResult> {
    let snapshot = this.live(key, now);
    if (!snapshot) {
      snapshot = freshSnapshot(now);
      this.breakers.set(key, snapshot);
    }
    return recordOn(snapshot, outcome, now, this.settings);
  }

  async state(key: string, now: number): Promise<BreakerState> {
    return observedState(this.live(key, now), now, this.idleMs);
  }

  async states(now: number): Promise<Record<string, BreakerState>> {
    const states: Record<string, BreakerState> = {};
    for (const key of [...this.breakers.keys()]) {
      const snapshot = this.live(key, now);
      if (snapshot) states[key] = observedState(snapshot, now, this.idleMs);
    }
    return states;
  }

  async close(): Promise<void> {
    this.breakers.clear();
  }

  /** The key's state, unless it has been idle long enough to be forgotten (as Redis would expire it). */
  private live(key: string, now: number): BreakerSnapshot | undefined {
    const snapshot = this.breakers.get(key);
    if (snapshot && isIdle(snapshot, now, this.idleMs)) {
      this.breakers.delete(key);
      return undefined;
    }
    return snapshot;
  }
}
