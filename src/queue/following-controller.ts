/**
 * An AbortController that also aborts when `source` does, until unlinked. The queue's per-job signals follow its
 * long-lived draining and stopping signals this way rather than with AbortSignal.any: on Node 20 every any() call
 * leaves a WeakRef in each source's set of dependants for as long as the source lives, one more per job.
 */
export class FollowingController extends AbortController {
  private readonly follow = () => this.abort(this.source.reason);

  constructor(private readonly source: AbortSignal) {
    super();
    if (source.aborted) this.follow();
    else source.addEventListener("abort", this.follow, { once: true });
  }

  /** Stops following the source. */
  unlink(): void {
    this.source.removeEventListener("abort", this.follow);
  }
}
