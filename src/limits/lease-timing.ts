export const DEFAULT_LEASE_TTL_MS = 30_000;

export interface LeaseTimingOptions {
  /** How long a lease lives without a heartbeat; a holder that dies gives its slot back after this. Default 30 000. */
  leaseTtlMs?: number;
  /** How often a live lease's expiry is pushed back; 0 disables the heartbeat. Default leaseTtlMs / 3. */
  heartbeatMs?: number;
}

export interface LeaseTiming {
  leaseTtlMs: number;
  /** 0 = no heartbeat. */
  heartbeatMs: number;
}

export function resolveLeaseTiming(options: LeaseTimingOptions): LeaseTiming {
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  if (!Number.isFinite(leaseTtlMs) || leaseTtlMs <= 0)
    throw new RangeError(`leaseTtlMs must be positive, got ${leaseTtlMs}`);
  const heartbeatMs = options.heartbeatMs ?? Math.floor(leaseTtlMs / 3);
  if (!Number.isFinite(heartbeatMs) || heartbeatMs < 0 || heartbeatMs >= leaseTtlMs) {
    throw new RangeError(`heartbeatMs must be 0 (off) or between 0 and leaseTtlMs (${leaseTtlMs}), got ${heartbeatMs}`);
  }
  return { leaseTtlMs, heartbeatMs };
}
