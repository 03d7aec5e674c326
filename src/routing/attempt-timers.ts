import { GatewayError } from "../errors.js";

/**
 * The deadlines of one upstream attempt: time to the first byte of the answer, and the whole attempt (a stream
 * included). Either aborts the attempt's signal; the client going away aborts it too. `timeoutError` then tells
 * a timeout (a retryable upstream fault) from a client that left.
 */
export class AttemptTimers {
  private readonly controller = new AbortController();
  private readonly firstByteTimer: NodeJS.Timeout;
  private readonly totalTimer: NodeJS.Timeout;
  private readonly onClientAbort = () => this.controller.abort();
  timeoutError: GatewayError | undefined;

  constructor(
    private readonly client: AbortSignal,
    provider: string,
    firstByteMs: number,
    totalMs: number,
  ) {
    if (client.aborted) this.controller.abort();
    else client.addEventListener("abort", this.onClientAbort, { once: true });
    this.firstByteTimer = setTimeout(
      () => this.expire(`Provider '${provider}' sent nothing within ${firstByteMs} ms.`),
      firstByteMs,
    );
    this.totalTimer = setTimeout(
      () => this.expire(`Provider '${provider}' did not finish within ${totalMs} ms.`),
      totalMs,
    );
  }

  get signal(): AbortSignal {
    return this.controller.signal;
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
    this.timeoutError = new GatewayError({ status: 504, type: "service_error", code: "upstream_timeout", message });
    this.dispose();
    this.controller.abort();
  }
}
