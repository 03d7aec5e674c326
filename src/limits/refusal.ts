import type { RefusalReason } from "./types.js";

/** Slots free up when other requests finish, which cannot be predicted: suggest a short wait. */
export const CONCURRENCY_RETRY_AFTER_MS = 1000;

/** How long each limit needs before it would admit the request; 0 (or absent) when it admits now. */
export type WaitsByLimit = Partial<Record<RefusalReason, number>>;

const ORDER: readonly RefusalReason[] = ["concurrency", "requests_per_minute", "tokens_per_minute"];

/**
 * The refusal names the binding limit — the one needing the longest wait — because a retry before that wait
 * would be refused again. Ties go to the first in ORDER. Undefined when every limit admits.
 */
export function bindingRefusal(waits: WaitsByLimit): { reason: RefusalReason; retryAfterMs: number } | undefined {
  let refusal: { reason: RefusalReason; retryAfterMs: number } | undefined;
  for (const reason of ORDER) {
    const wait = waits[reason] ?? 0;
    if (wait > 0 && (refusal === undefined || wait > refusal.retryAfterMs)) refusal = { reason, retryAfterMs: wait };
  }
  return refusal;
}
