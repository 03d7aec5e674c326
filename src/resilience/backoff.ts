/** The shape of an exponential backoff; RetrySettings is one. */
export interface Backoff {
  /** The wait before the first retry is drawn from [0, baseDelayMs); the range doubles per retry... */
  baseDelayMs: number;
  /** ...up to [0, maxDelayMs). */
  maxDelayMs: number;
  /** No wait is longer, a retry-after included. Unset: a retry-after is waited out in full. */
  capMs?: number;
}

/**
 * The wait before the retry that follows failed attempt number `attempt` (1-based): exponential backoff with
 * full jitter, uniform in [0, min(maxDelayMs, baseDelayMs · 2^(attempt−1))), so that replicas and clients do
 * not retry in lockstep. The server's retry-after, when given, is a floor: waiting less would only earn
 * another refusal. The one backoff of routing retries, queued job retries and webhook deliveries.
 */
export function retryDelayMs(
  attempt: number,
  backoff: Backoff,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  const floored = retryAfterMs === undefined ? jittered : Math.max(jittered, Math.ceil(retryAfterMs));
  return Math.min(backoff.capMs ?? Number.POSITIVE_INFINITY, floored);
}
