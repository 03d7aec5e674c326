import type { Config } from "../config/schema.js";

/**
 * queue.* as it is now (the reasons for its defaults are next to them, in src/config/schema.ts). Read when used:
 * an edit applies to the jobs queued, and the attempts started, after it.
 */
export interface QueueSettings {
  /** One attempt of a job, from holding a slot to the answer. */
  jobTimeoutMs: number;
  /** Attempts per job, the first included; also bounds re-runs after a worker died. */
  maxAttempts: number;
  /** How long a finished job can still be read. */
  resultTtlMs: number;
  /** A job still queued this long after it was queued expires. */
  maxWaitMs: number;
}

export function queueSettingsOf(config: Config): QueueSettings {
  const q = config.queue;
  return {
    jobTimeoutMs: q.job_timeout_ms,
    maxAttempts: q.max_attempts,
    resultTtlMs: q.result_ttl_ms,
    maxWaitMs: q.max_wait_ms,
  };
}

/** Not configuration: how the queue paces itself, fixed for the queue's life (tests shorten them). */
export interface QueuePacing {
  /** How often a worker asks again for a free slot of the tenant. */
  slotPollMs: number;
  /** The backoff before retry n is drawn from [0, retryBaseDelayMs · 2^(n−1)), at most retryMaxDelayMs. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** How often a process looks for its tenants that have jobs (queued by any replica) and releases idle ones. */
  tenantRefreshMs: number;
  /** A tenant with no job for this long stops being served here: its queue's Redis connections are closed. */
  idleReleaseMs: number;
  /** On close, how long running jobs may take to finish before they are left for another worker. */
  closeGraceMs: number;
}

/**
 * Backoff 1 s doubling (full jitter) up to 30 s: a queued job has no caller waiting on the line, so it can afford
 * a longer pause than a live request (routing retries give up after 8 s).
 */
export const QUEUE_PACING: Readonly<QueuePacing> = Object.freeze({
  slotPollMs: 100,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 30_000,
  tenantRefreshMs: 5_000,
  idleReleaseMs: 60_000,
  closeGraceMs: 10_000,
});

/**
 * How long a job record lives while it may still run: past its last possible attempt, so it cannot vanish
 * under a worker. Finished records are then kept resultTtlMs.
 */
export function activeRecordTtlMs(settings: QueueSettings, pacing: QueuePacing): number {
  return settings.maxWaitMs + settings.jobTimeoutMs + pacing.retryMaxDelayMs + settings.resultTtlMs;
}
