import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { decodeAdmitReply } from "./admit-reply.js";
import { HeartbeatLease } from "./heartbeat-lease.js";
import type { LeaseTiming } from "./lease-timing.js";
import type { LimiterKeys } from "../state/redis-keys.js";
import { stateBackendUnavailable } from "../state/redis-failure.js";
import { integerReply } from "../state/redis-script.js";
import { ADMIT, COUNT_LIVE, HEARTBEAT, RELEASE } from "./redis-scripts.js";
import { bindingRefusal, CONCURRENCY_RETRY_AFTER_MS } from "./refusal.js";
import { buildSnapshot } from "./snapshot.js";
import type { LimiterDecision, LimiterRequest, Limiter, TenantLimits } from "./types.js";
import { tokensToReserve } from "./token-reservation.js";
import { validateAdmission } from "./validate-admission.js";

export interface RedisLimiterOptions {
  keys: LimiterKeys;
  /** The timing of new leases, as configured now; a lease keeps the timing it was granted with. */
  timing: () => LeaseTiming;
  /** host:port of the Redis, named in the 503 when it fails an admission. */
  address: string;
}

/**
 * The limiter shared by gateway replicas: one Lua script per admission makes the concurrency slot and both
 * per-minute reservations one atomic, all-or-nothing step, on Redis's clock.
 */
export class RedisLimiter implements Limiter {
  private readonly keys: LimiterKeys;
  private readonly liveLeases = new Set<HeartbeatLease>();

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisLimiterOptions,
  ) {
    this.keys = options.keys;
  }

  async admit(request: LimiterRequest): Promise<LimiterDecision> {
    validateAdmission(request);
    const { tenant, limits } = request;
    const estimatedTokens = tokensToReserve(request.estimatedTokens, limits);
    const keys = this.keys.tenant(tenant);
    const leaseId = randomUUID();
    const timing = this.options.timing();
    const reply = await ADMIT.run(
      this.redis,
      [keys.leases, keys.requests, keys.tokens],
      [
        leaseId,
        timing.leaseTtlMs,
        limits.maxConcurrency,
        limits.requestsPerMinute ?? 0,
        limits.tokensPerMinute ?? 0,
        estimatedTokens,
        request.now ?? "",
      ],
    ).catch((err: unknown) => {
      // A script that timed out may still run once Redis answers again (it was frozen, say): the lease it would
      // grant is given back right behind it, on the same connection, instead of holding a slot until it expires.
      RELEASE.run(this.redis, [keys.leases, keys.tokens], [leaseId, 0, 0, ""]).catch(() => {});
      throw stateBackendUnavailable(this.options.address, err);
    });
    const outcome = decodeAdmitReply(reply, limits);
    const snapshot = buildSnapshot(outcome.inFlight, limits.maxConcurrency, outcome.requests, outcome.tokens);
    if (outcome.admitted)
      return {
        admitted: true,
        lease: this.trackLease(leaseId, tenant, limits, estimatedTokens, request.now, timing),
        snapshot,
      };

    const refusal = bindingRefusal({
      concurrency: outcome.inFlight >= limits.maxConcurrency ? CONCURRENCY_RETRY_AFTER_MS : 0,
      requests_per_minute: outcome.requestWaitMs,
      tokens_per_minute: outcome.tokenWaitMs,
    });
    if (!refusal) throw new Error(`admission script refused tenant ${tenant} without a limit to blame`);
    return { admitted: false, ...refusal, snapshot };
  }

  async inFlight(tenant: string): Promise<number> {
    return integerReply(await COUNT_LIVE.run(this.redis, [this.keys.tenant(tenant).leases], []));
  }

  async close(): Promise<void> {
    for (const lease of this.liveLeases) lease.stopHeartbeat();
    this.liveLeases.clear();
  }

  private trackLease(
    leaseId: string,
    tenant: string,
    limits: TenantLimits,
    estimatedTokens: number,
    pinnedNow: number | undefined,
    timing: LeaseTiming,
  ): HeartbeatLease {
    const keys = this.keys.tenant(tenant);
    const lease = new HeartbeatLease(
      leaseId,
      {
        extend: async () =>
          integerReply(await HEARTBEAT.run(this.redis, [keys.leases], [leaseId, timing.leaseTtlMs])) === 1,
        finish: async (actualTokens) => {
          this.liveLeases.delete(lease);
          const tokenDelta = actualTokens === undefined ? 0 : actualTokens - estimatedTokens;
          await RELEASE.run(
            this.redis,
            [keys.leases, keys.tokens],
            [leaseId, limits.tokensPerMinute ?? 0, tokenDelta, pinnedNow ?? ""],
          );
        },
      },
      timing.heartbeatMs,
    );
    this.liveLeases.add(lease);
    return lease;
  }
}
