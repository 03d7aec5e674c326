import type { Lease } from "./types.js";

/** What a lease needs from the limiter that granted it. */
export interface LeaseStore {
  /** Pushes the lease's expiry back; false when the lease is already gone (expired, its slot reclaimed). */
  extend(): Promise<boolean>;
  /** Frees the slot and reconciles the reserved tokens. */
  finish(actualTokens: number | undefined): Promise<void>;
}

/** A lease kept alive by a heartbeat until released; the release runs exactly once. */
export class HeartbeatLease implements Lease {
  private heartbeat: NodeJS.Timeout | undefined;
  private extending = false;
  private releasing: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly store: LeaseStore,
    heartbeatMs: number,
  ) {
    if (heartbeatMs > 0) {
      // unref: a pending lease must not keep the process alive on shutdown.
      this.heartbeat = setInterval(() => void this.beat(), heartbeatMs).unref();
    }
  }

  release(actualTokens?: number): Promise<void> {
    // Set synchronously, so a second call (even a concurrent one) gets the same promise and does nothing.
    this.releasing ??= this.finish(actualTokens);
    return this.releasing;
  }

  /** Stops extending the lease without releasing it: it then expires, as if its holder had died. */
  stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private async finish(actualTokens: number | undefined): Promise<void> {
    this.stopHeartbeat();
    // A nonsensical count (NaN, negative) would poison the budget; the reservation then stands as it was.
    const usable = actualTokens !== undefined && Number.isFinite(actualTokens) && actualTokens >= 0;
    await this.store.finish(usable ? actualTokens : undefined);
  }

  private async beat(): Promise<void> {
    if (this.extending) return;
    this.extending = true;
    try {
      if (!(await this.store.extend())) this.stopHeartbeat();
    } catch {
      // A transient store failure: the next beat retries, and if the store stays away the lease expires, as it should.
    } finally {
      this.extending = false;
    }
  }
}
