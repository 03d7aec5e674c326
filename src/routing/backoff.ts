import type { RetrySettings } from "./retry-settings.js";

/**
 * The wait before the retry that follows failed attempt number `attempt` (1-based): exponential backoff with
 * full jitter, uniform in [0, min(maxDelayMs, baseDelayMs · 2^(attempt−1))). The upstream's retry-after, when
 * given, is a floor: waiting less would only earn another 429.
 */
export function retryDelayMs(
  attempt: number,
  settings: RetrySettings,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.ceil(retryAfterMs));
}
