/**
 * An AbortController that also aborts when `source` does, and after `timeoutMs` when given, until disposed.
 * Per-job signals follow the queue's long-lived draining and stopping signals this way rather than with
 * AbortSignal.any: on Node 20 every any() call leaves a WeakRef in each source's set of dependants for as long as
 * the source lives, so the heap grew by one per job.
 */
export class FollowingController extends AbortController {
  private readonly follow = () => this.abort(this.source.reason);
  private readonly timer: NodeJS.Timeout | undefined;
  private expired = false;

  constructor(
    private readonly source: AbortSignal,
    timeoutMs?: number,
  ) {
    super();
    if (source.aborted) this.follow();
    else source.addEventListener("abort", this.follow, { once: true });
    if (timeoutMs !== undefined) this.timer = setTimeout(() => this.expire(), timeoutMs);
  }

  /** Whether it aborted because `timeoutMs` passed. */
  get timedOut(): boolean {
    return this.expired;
  }

  /** Stops following the source and clears the timeout. */
  dispose(): void {
    clearTimeout(this.timer);
    this.source.removeEventListener("abort", this.follow);
  }

  private expire(): void {
    if (this.signal.aborted) return;
    this.expired = true;
    this.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
  }
}
