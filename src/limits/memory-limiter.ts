import { randomUUID } from "node:crypto";
import { checkRate, rateState, reconcileRate, waitMsOf } from "./gcra.js";
import { HeartbeatLease } from "./heartbeat-lease.js";
import type { LeaseTiming } from "./lease-timing.js";
import { bindingRefusal, CONCURRENCY_RETRY_AFTER_MS } from "./refusal.js";
import { buildSnapshot } from "./snapshot.js";
import type { LimiterDecision, LimiterRequest, Limiter, LimitSnapshot, TenantLimits } from "./types.js";
import { tokensToReserve } from "./token-reservation.js";
import { validateAdmission } from "./validate-admission.js";

interface TenantState {
  /** Lease id → expiry, on the monotonic clock. */
  leases: Map<string, number>;
  requestTat: number | undefined;
  tokenTat: number | undefined;
}

/** Monotonic, so wall-clock jumps neither expire live leases nor revive dead ones. */
function leaseClock(): number {
  return performance.now();
}

/** The embedded default: one process, state in a Map, same semantics as RedisLimiter. */
export class MemoryLimiter implements Limiter {
  private readonly tenants = new Map<string, TenantState>();
  private readonly liveLeases = new Set<HeartbeatLease>();

  /** timing: of new leases, as configured now; a lease keeps the timing it was granted with. */
  constructor(private readonly timing: () => LeaseTiming) {}

  async admit(request: LimiterRequest): Promise<LimiterDecision> {
    validateAdmission(request);
    const { tenant, limits } = request;
    const estimatedTokens = tokensToReserve(request.estimatedTokens, limits);
    const now = request.now ?? Date.now();
    const state = this.stateOf(tenant);
    const inFlight = this.countLive(state);
    const requestCheck =
      limits.requestsPerMinute === undefined
        ? undefined
        : checkRate(state.requestTat, limits.requestsPerMinute, 1, now);
    const tokenCheck =
      limits.tokensPerMinute === undefined
        ? undefined
        : checkRate(state.tokenTat, limits.tokensPerMinute, estimatedTokens, now);

    const refusal = bindingRefusal({
      concurrency: inFlight >= limits.maxConcurrency ? CONCURRENCY_RETRY_AFTER_MS : 0,
      requests_per_minute: waitMsOf(requestCheck),
      tokens_per_minute: waitMsOf(tokenCheck),
    });
    if (refusal) return { admitted: false, ...refusal, snapshot: this.snapshot(state, limits, inFlight, now) };

    if (requestCheck?.allowed) state.requestTat = requestCheck.tat;
    if (tokenCheck?.allowed) state.tokenTat = tokenCheck.tat;
    const timing = this.timing();
    const lease = this.grantLease(tenant, limits, estimatedTokens, request.now, timing);
    state.leases.set(lease.id, leaseClock() + timing.leaseTtlMs);
    return { admitted: true, lease, snapshot: this.snapshot(state, limits, inFlight + 1, now) };
  }

  async inFlight(tenant: string): Promise<number> {
    const state = this.tenants.get(tenant);
    return state ? this.countLive(state) : 0;
  }

  async close(): Promise<void> {
    for (const lease of this.liveLeases) lease.stopHeartbeat();
    this.liveLeases.clear();
  }

  private grantLease(
    tenant: string,
    limits: TenantLimits,
    estimatedTokens: number,
    pinnedNow: number | undefined,
    timing: LeaseTiming,
  ): HeartbeatLease {
    const id = randomUUID();
    const lease = new HeartbeatLease(
      id,
      {
        extend: async () => {
          const leases = this.tenants.get(tenant)?.leases;
          const expiry = leases?.get(id);
          if (leases === undefined || expiry === undefined || expiry <= leaseClock()) return false;
          leases.set(id, leaseClock() + timing.leaseTtlMs);
          return true;
        },
        finish: async (actualTokens) => {
          this.liveLeases.delete(lease);
          const state = this.stateOf(tenant);
          state.leases.delete(id);
          const now = pinnedNow ?? Date.now();
          if (limits.tokensPerMinute !== undefined && actualTokens !== undefined && actualTokens !== estimatedTokens) {
            state.tokenTat = reconcileRate(state.tokenTat, limits.tokensPerMinute, actualTokens - estimatedTokens, now);
          }
          this.forgetIfIdle(tenant, state, now);
        },
      },
      timing.heartbeatMs,
    );
    this.liveLeases.add(lease);
    return lease;
  }

  private stateOf(tenant: string): TenantState {
    let state = this.tenants.get(tenant);
    if (!state) {
      state = { leases: new Map(), requestTat: undefined, tokenTat: undefined };
      this.tenants.set(tenant, state);
    }
    return state;
  }

  /** Drops expired leases, then counts the rest. */
  private countLive(state: TenantState): number {
    const clock = leaseClock();
    for (const [id, expiry] of state.leases) if (expiry <= clock) state.leases.delete(id);
    return state.leases.size;
  }

  private forgetIfIdle(tenant: string, state: TenantState, now: number): void {
    const budgetFree = (tat: number | undefined) => tat === undefined || tat <= now;
    if (state.leases.size === 0 && budgetFree(state.requestTat) && budgetFree(state.tokenTat))
      this.tenants.delete(tenant);
  }

  private snapshot(state: TenantState, limits: TenantLimits, inFlight: number, now: number): LimitSnapshot {
    return buildSnapshot(
      inFlight,
      limits.maxConcurrency,
      limits.requestsPerMinute === undefined ? undefined : rateState(state.requestTat, limits.requestsPerMinute, now),
      limits.tokensPerMinute === undefined ? undefined : rateState(state.tokenTat, limits.tokensPerMinute, now),
    );
  }
}
