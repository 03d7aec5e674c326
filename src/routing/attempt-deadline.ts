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
  private readonly timeout = new AbortController();
  private readonly firstByteTimer: NodeJS.Timeout;
  private readonly totalTimer: NodeJS.Timeout;
  readonly signal: AbortSignal;

  constructor(client: AbortSignal, provider: string, timeouts: AttemptTimeouts) {
    this.signal = AbortSignal.any([client, this.timeout.signal]);
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
  }

  private expire(message: string): void {
    this.dispose();
    this.timeout.abort(new GatewayError("upstream_timeout", message));
  }
}
