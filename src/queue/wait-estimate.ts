/** The mean service time before any job of the tenant has run. */
export const SEED_SERVICE_MS = 5_000;
/** Weight of the newest sample in the moving average: about the last ten jobs count. */
export const SERVICE_TIME_WEIGHT = 0.2;

export function nextMeanServiceMs(mean: number | undefined, sampleMs: number): number {
  return mean === undefined ? sampleMs : mean + SERVICE_TIME_WEIGHT * (sampleMs - mean);
}

/**
 * estimated_wait_time = ceil((ahead + 1) · meanServiceMs / maxConcurrency / 1000) seconds.
 * The tenant is at its limit, so the job needs ahead + 1 slot releases, and its maxConcurrency slots free up at
 * about maxConcurrency per mean service time (the moving average of how long the tenant's jobs held a slot).
 */
export function estimateWaitSeconds(ahead: number, meanServiceMs: number, maxConcurrency: number): number {
  return Math.ceil(((ahead + 1) * meanServiceMs) / Math.max(1, maxConcurrency) / 1000);
}
