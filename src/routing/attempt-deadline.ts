import { GatewayError } from "../errors/gateway-error.js";

export interface AttemptTimeouts {
  /** To the answer's first event (the whole answer when not streamed). */
  firstByteMs: number;
  /** The whole attempt, a stream included. */
  totalMs: number;
}

/**
 * The deadlines of one upstream attempt. Its signal aborts when the client leaves (with the client's reason) or a
 * deadline passes (with a 504 upstream_timeout), so whoever waits on it throws the reason and nobody has to tell a
 * timeout from a client that left afterwards.
 */
export class AttemptDeadline {
  /**
   * Not AbortSignal.any(): Node keeps a signal made by it alive for as long as it has listeners and has not aborted,
   * and the SDKs add a listener they never remove, so every attempt that ended normally stayed in memory.
   */
  private readonly combined = new AbortController();
  private readonly firstByteTimer: NodeJS.Timeout;
  private readonly totalTimer: NodeJS.Timeout;
  private readonly onClientAbort: () => void;
  readonly signal: AbortSignal;

  constructor(
    private readonly client: AbortSignal,
    provider: string,
    timeouts: AttemptTimeouts,
  ) {
    this.signal = this.combined.signal;
    this.onClientAbort = () => this.combined.abort(client.reason);
    if (client.aborted) this.onClientAbort();
    else client.addEventListener("abort", this.onClientAbort, { once: true });
    this.firstByteTimer = setTimeout(
      () => this.expire(`Provider '${provider}' sent nothing within ${timeouts.firstByteMs} ms.`),
      timeouts.firstByteMs,
    );
    this.totalTimer = setTimeout(
      () => this.expire(`Provider '${provider}' did not finish within ${timeouts.totalMs} ms.`),
      timeouts.totalMs,
    );
  }

  firstByteReceived(): void {
    clearTimeout(this.firstByteTimer);
  }

  dispose(): void {
    clearTimeout(this.firstByteTimer);
    clearTimeout(this.totalTimer);
    this.client.removeEventListener("abort", this.onClientAbort);
  }

  private expire(message: string): void {
    this.dispose();
    this.combined.abort(new GatewayError("upstream_timeout", message));
  }
}
