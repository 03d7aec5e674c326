import type { Config } from "../config/schema.js";

export interface LeaseTiming {
  /** How long a lease lives without a heartbeat; a holder that dies gives its slot back after this. */
  leaseTtlMs: number;
  /** How often a live lease's expiry is pushed back; 0 = no heartbeat. */
  heartbeatMs: number;
}

/** limits.lease_ttl_ms, with a heartbeat every third of it: one late or lost beat does not cost the slot. */
export function leaseTimingOf(config: Config): LeaseTiming {
  const leaseTtlMs = config.limits.lease_ttl_ms;
  return { leaseTtlMs, heartbeatMs: Math.floor(leaseTtlMs / 3) };
}
