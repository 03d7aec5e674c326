export interface QueueSettings {
  /** Queued jobs a tenant may have; the next enqueue throws QueueFullError. */
  maxDepthPerTenant: number;
  /** One attempt of a job, from holding a slot to the answer. */
  jobTimeoutMs: number;
  /** Attempts per job, the first included; also bounds re-runs after a worker died. */
  maxAttempts: number;
  /** How long a finished job can still be read. */
  resultTtlMs: number;
  /** A job still queued this long after it was queued expires. */
  maxWaitMs: number;
  /** How often a worker asks again for a free slot of the tenant. */
  slotPollMs: number;
  /** The backoff before retry n is drawn from [0, retryBaseDelayMs · 2^(n−1)), at most retryMaxDelayMs. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** Redis: an active job not heard of for between one and two of these is given to another worker. */
  stallIntervalMs: number;
  /** Redis: how often a replica looks for tenants that other replicas queued jobs for. */
  tenantRefreshMs: number;
  /** On close, how long running jobs may take to finish before they are left for another worker. */
  closeGraceMs: number;
}

/**
 * maxAttempts 3 and backoff 1 s doubling (full jitter) up to 30 s: a queued job has no caller waiting on the
 * line, so it can afford a longer pause than a live request (routing retries give up after 8 s).
 * stallIntervalMs 5 s is bee-queue's default: a dead worker's job restarts 5–10 s later.
 */
export const DEFAULT_QUEUE_SETTINGS: Readonly<QueueSettings> = Object.freeze({
  maxDepthPerTenant: 100,
  jobTimeoutMs: 120_000,
  maxAttempts: 3,
  resultTtlMs: 24 * 60 * 60 * 1000,
  maxWaitMs: 15 * 60 * 1000,
  slotPollMs: 100,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 30_000,
  stallIntervalMs: 5_000,
  tenantRefreshMs: 5_000,
  closeGraceMs: 10_000,
});

export function resolveQueueSettings(overrides: Partial<QueueSettings> = {}): QueueSettings {
  const settings = { ...DEFAULT_QUEUE_SETTINGS, ...overrides };
  for (const [name, value] of Object.entries(settings)) {
    if (!(Number.isInteger(value) && value > 0))
      throw new RangeError(`queue setting ${name} must be a positive integer, got ${value}`);
  }
  return settings;
}

/**
 * How long a job record lives while it may still run: past its last possible attempt, so it cannot vanish
 * under a worker. Finished records are then kept resultTtlMs.
 */
export function activeRecordTtlMs(settings: QueueSettings): number {
  return settings.maxWaitMs + settings.jobTimeoutMs + settings.retryMaxDelayMs + settings.resultTtlMs;
}
