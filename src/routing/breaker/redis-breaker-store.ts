import type { Redis } from "ioredis";
import type { BreakerKeys } from "../../state/redis-keys.js";
import { observedState, type StoredState } from "./breaker-machine.js";
import { acquireScript, recordScript } from "./breaker-scripts.js";
import { WINDOW_BUCKETS, idleExpiryMs, type BreakerSettings } from "./breaker-settings.js";
import type {
  AcquireMode,
  AcquireResult,
  BreakerOutcomeOf,
  BreakerState,
  BreakerStore,
  BreakerTransition,
  RecordResult,
} from "./breaker-store.js";

export interface RedisBreakerStoreOptions {
  keys: BreakerKeys;
}

/**
 * Breakers shared by every replica using the same Redis: replica A's failures open the breaker for replica B.
 * Each acquire and record is one Lua script run over all of its keys (one round trip), so concurrent replicas
 * cannot lose an update or both report the same transition.
 *
 * Time is the caller's `now` (Date.now()), not Redis TIME, so the state machine is identical to the memory
 * store and testable without sleeping. Replicas are assumed to keep their clocks in sync (NTP); a skew of
 * some milliseconds only shifts cooldown ends and window buckets by as much.
 */
export class RedisBreakerStore implements BreakerStore {
  private readonly keys: BreakerKeys;

  constructor(
    private readonly redis: Redis,
    options: RedisBreakerStoreOptions,
  ) {
    this.keys = options.keys;
  }

  async acquire(
    keys: readonly string[],
    now: number,
    s: BreakerSettings,
    mode: AcquireMode = "normal",
  ): Promise<AcquireResult[]> {
    if (keys.length === 0) return [];
    const reply = await acquireScript.run(
      this.redis,
      [this.keys.index, ...keys.flatMap((key) => [this.keys.state(key), this.keys.backoff(key)])],
      [now, idleExpiryMs(s), s.cooldownMs, s.halfOpenProbes, s.probeLeaseMs, mode, ...keys],
    );
    return (reply as Array<[number, string, number, string, string, number]>).map(
      ([allowed, state, retryAfterMs, from, reason, backingOff]) => ({
        allowed: allowed === 1,
        state: asState(state),
        ...(retryAfterMs >= 0 ? { retryAfterMs } : {}),
        ...(backingOff === 1 ? { backingOff: true } : {}),
        ...transitionOf(from, state, reason),
      }),
    );
  }

  async backOff(key: string, until: number, now: number): Promise<void> {
    if (until > now) await this.redis.set(this.keys.backoff(key), until, "PX", until - now);
  }

  async record(outcomes: readonly BreakerOutcomeOf[], now: number, s: BreakerSettings): Promise<RecordResult[]> {
    if (outcomes.length === 0) return [];
    const args = [
      now,
      idleExpiryMs(s),
      s.consecutiveFailures,
      s.failureRatio,
      s.minimumRequests,
      s.windowMs,
      WINDOW_BUCKETS,
      s.cooldownMs,
      s.halfOpenSuccesses,
      ...outcomes.flatMap(({ key, outcome }) => [key, outcome]),
    ];
    const reply = await recordScript.run(
      this.redis,
      [this.keys.index, ...outcomes.map(({ key }) => this.keys.state(key))],
      args,
    );
    return (reply as Array<[string, string, string]>).map(([state, from, reason]) => ({
      state: asState(state),
      ...transitionOf(from, state, reason),
    }));
  }

  async state(key: string, now: number, settings: BreakerSettings): Promise<BreakerState> {
    const fields = await this.redis.hmget(this.keys.state(key), "state", "reopenAt", "touchedAt");
    return observedState(storedState(fields), now, idleExpiryMs(settings));
  }

  async states(now: number, settings: BreakerSettings): Promise<Record<string, BreakerState>> {
    const idleMs = idleExpiryMs(settings);
    const idleBefore = now - idleMs;
    const keys = await this.redis.zrangebyscore(this.keys.index, `(${idleBefore}`, "+inf");
    await this.redis.zremrangebyscore(this.keys.index, "-inf", idleBefore);
    if (keys.length === 0) return {};
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hmget(this.keys.state(key), "state", "reopenAt", "touchedAt");
    const replies = (await pipeline.exec()) ?? [];
    const states: Record<string, BreakerState> = {};
    keys.forEach((key, i) => {
      const [err, fields] = replies[i] ?? [null, []];
      if (err) throw err;
      states[key] = observedState(storedState(fields as Array<string | null>), now, idleMs);
    });
    return states;
  }

  /** The connection belongs to the state backend, which closes it. */
  async close(): Promise<void> {}
}

function asState(value: string | null | undefined): BreakerState {
  return value === "open" || value === "half_open" ? value : "closed";
}

function transitionOf(from: string, to: string, reason: string): { transition?: BreakerTransition } {
  return from === "" ? {} : { transition: { from: asState(from), to: asState(to), reason } };
}

function storedState([state, reopenAt, touchedAt]: Array<string | null>): StoredState | undefined {
  if (!state) return undefined;
  return { state: asState(state), reopenAt: Number(reopenAt ?? 0), touchedAt: Number(touchedAt ?? 0) };
}
