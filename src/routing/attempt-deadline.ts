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
 * timeout from a client that left afterwards. The client's signal is followed by a listener removed on dispose
 * rather than AbortSignal.any, which costs more per request (measured under load) and lives until garbage collected.
 */
export class AttemptDeadline {
  private readonly controller = new AbortController();
  private readonly firstByteTimer: NodeJS.Timeout;
  private readonly totalTimer: NodeJS.Timeout;
  private readonly followClient = () => this.controller.abort(this.client.reason);
  readonly signal: AbortSignal = this.controller.signal;

  constructor(
    private readonly client: AbortSignal,
    provider: string,
    timeouts: AttemptTimeouts,
  ) {
    if (client.aborted) this.followClient();
    else client.addEventListener("abort", this.followClient, { once: true });
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
    this.client.removeEventListener("abort", this.followClient);
  }

  private expire(message: string): void {
    this.dispose();
    this.controller.abort(new GatewayError("upstream_timeout", message));
  }
}
