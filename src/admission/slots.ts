import { GatewayError } from "../errors/gateway-error.js";
import type { Lease, LimitSnapshot, Limiter, RefusalReason } from "../limits/types.js";
import type { Telemetry } from "../telemetry/events.js";
import type { Tenant } from "../tenants/tenant-directory.js";

/**
 * One of a tenant's concurrency slots, with the tokens reserved for it: a limiter lease whose release (once, never
 * throwing) reconciles the reservation with the tokens used, when known.
 */
export type Slot = Lease;

export type SlotDecision =
  | { granted: true; slot: Slot; snapshot: LimitSnapshot }
  | { granted: false; reason: RefusalReason; retryAfterMs: number; snapshot: LimitSnapshot };

/** Why the limiter gave no slot, how long until one of its limits would, and the limits' state. */
export type SlotRefusal = Extract<SlotDecision, { granted: false }>;

export interface TenantSlotsOptions {
  limiter: Limiter;
  telemetry: Telemetry;
  /** Told when giving a slot back failed (state backend away): the lease then expires by itself. */
  onReleaseError: (err: unknown, tenant: string) => void;
  /** Told when a slot of the tenant was given back (the requests waiting for one are woken). */
  onReleased?: (tenant: string) => void;
}

/**
 * A tenant's slots for its requests, live and queued alike: each reserves the request's token estimate (prompt +
 * max tokens, reconciled with real usage when given back), and every slot held is reported ("limits.slot" +1 when
 * taken, -1 when given back).
 */
export class TenantSlots {
  constructor(private readonly options: TenantSlotsOptions) {}

  async take(tenant: Tenant, estimatedTokens: number): Promise<SlotDecision> {
    const { limiter, telemetry, onReleaseError, onReleased } = this.options;
    const decision = await limiter
      .admit({ tenant: tenant.id, limits: tenant.limits, estimatedTokens })
      .catch((err: unknown) => {
        // Limits live in the state backend: without it no limit can be enforced, and readiness already says 503.
        if (err instanceof GatewayError) throw err;
        throw new GatewayError(
          "state_backend_unavailable",
          "The rate limiter's state backend is unreachable; try again shortly.",
          {
            retryAfterMs: 1000,
            cause: err,
          },
        );
      });
    if (!decision.admitted)
      return {
        granted: false,
        reason: decision.reason,
        retryAfterMs: decision.retryAfterMs,
        snapshot: decision.snapshot,
      };
    telemetry.emit("limits.slot", { tenant: tenant.id, delta: 1 });
    const { lease } = decision;
    let released: Promise<void> | undefined;
    const release = (usedTokens?: number) =>
      lease
        .release(usedTokens)
        .catch((err: unknown) => onReleaseError(err, tenant.id))
        .finally(() => {
          telemetry.emit("limits.slot", { tenant: tenant.id, delta: -1 });
          onReleased?.(tenant.id);
        });
    return {
      granted: true,
      slot: { id: lease.id, release: (usedTokens) => (released ??= release(usedTokens)) },
      snapshot: decision.snapshot,
    };
  }
}
