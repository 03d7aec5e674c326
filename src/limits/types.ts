/** What one tenant may use. Absent per-minute limits mean "unlimited" in that dimension. */
export interface TenantLimits {
  maxConcurrency: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

export interface LimiterRequest {
  tenant: string;
  limits: TenantLimits;
  /** Prompt estimate + max output tokens; reserved now, reconciled when the lease is released. */
  estimatedTokens: number;
  /**
   * Clock (ms) of the per-minute windows, for tests and replays; the reconciliation at release uses the same value.
   * Lease expiry always follows the real clock, because heartbeats do.
   */
  now?: number;
}

export type RefusalReason = "concurrency" | "requests_per_minute" | "tokens_per_minute";

export type LimiterDecision =
  | { admitted: true; lease: Lease; snapshot: LimitSnapshot }
  | { admitted: false; reason: RefusalReason; retryAfterMs: number; snapshot: LimitSnapshot };

/**
 * State after the decision; enough for OpenAI's x-ratelimit-* headers. Per-minute fields are set only when that limit
 * is.
 */
export interface LimitSnapshot {
  limitRequests?: number;
  remainingRequests?: number;
  /** Time until the request budget is entirely free again. */
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  /** Time until the token budget is entirely free again. */
  resetTokensMs?: number;
  inFlight: number;
  maxConcurrency: number;
}

export interface Lease {
  readonly id: string;
  /**
   * Releases the concurrency slot exactly once (later calls are no-ops) and reconciles the reserved tokens with the
   * real usage (actualTokens, when known).
   */
  release(actualTokens?: number): Promise<void>;
}

export interface Limiter {
  /** Atomically: concurrency slot + RPM + TPM reservation, all or nothing. */
  admit(request: LimiterRequest): Promise<LimiterDecision>;
  /** Slots currently held (expired leases not counted); for tests and metrics. */
  inFlight(tenant: string): Promise<number>;
  /** Stops the heartbeats of this limiter's leases (they then expire); does not close a shared connection. */
  close(): Promise<void>;
}
