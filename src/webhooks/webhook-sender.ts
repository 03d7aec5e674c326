import { setTimeout as sleep } from "node:timers/promises";
import { Webhook } from "standardwebhooks";
import { parseRetryAfter } from "../resilience/retry-after.js";
import { retryDelayMs } from "../resilience/backoff.js";
import type { Telemetry } from "../telemetry/events.js";
import { CallbackUrlError, validateCallbackUrl, type HostResolver } from "./callback-url.js";
import { pinnedPost } from "./pinned-post.js";
import type { WebhookSettings } from "./webhook-settings.js";

export interface WebhookMessage {
  url: string;
  /** The tenant's Standard Webhooks secret: "whsec_" followed by base64. */
  secret: string;
  /** Sent as webhook-id, the same on every attempt, so the receiver can drop duplicates. */
  messageId: string;
  payload: unknown;
}

export type DeliveryResult =
  | { delivered: true; attempts: number; status: number }
  | { delivered: false; attempts: number; reason: string; status?: number };

type AttemptOutcome =
  | { kind: "delivered"; status: number }
  /**
   * give_up: the receiver answered, and retrying will not change its answer. refused: nothing was sent (URL not
   * allowed).
   */
  | { kind: "retry" | "give_up" | "refused"; reason: string; status?: number; retryAfterMs?: number };

const USER_AGENT = "Runestone-Webhooks/1";

/** Signs (Standard Webhooks) and POSTs JSON messages, retrying network errors, 408, 429 and 5xx with backoff. */
export class WebhookSender {
  constructor(
    private readonly telemetry: Telemetry,
    /**
     * webhooks.* as configured now. A delivery takes them when it starts: the address policy it is checked against
     * is the one callback URLs are admitted with at that moment, not the one of the sender's start.
     */
    private readonly settings: () => WebhookSettings,
    /** For tests: how host names resolve. */
    private readonly resolve?: HostResolver,
  ) {}

  async send(message: WebhookMessage, signal: AbortSignal = new AbortController().signal): Promise<DeliveryResult> {
    const settings = this.settings();
    const host = hostOf(message.url);
    let signer: Webhook;
    try {
      signer = new Webhook(message.secret);
    } catch (err) {
      const reason = `invalid webhook secret: ${err instanceof Error ? err.message : String(err)}`;
      this.telemetry.emit("webhook.delivery", {
        messageId: message.messageId,
        host,
        attempt: 0,
        outcome: "refused",
        durationMs: 0,
        reason,
      });
      return { delivered: false, attempts: 0, reason };
    }
    const body = JSON.stringify(message.payload);

    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      const outcome = await this.attempt(message, signer, body, signal, settings);
      const report = { messageId: message.messageId, host, attempt, durationMs: performance.now() - started };
      if (outcome.kind === "delivered") {
        this.telemetry.emit("webhook.delivery", { ...report, outcome: "delivered", status: outcome.status });
        return { delivered: true, attempts: attempt, status: outcome.status };
      }
      const last = outcome.kind !== "retry" || attempt >= settings.maxAttempts || signal.aborted;
      const reported = outcome.kind === "refused" ? "refused" : last ? "failed" : "retrying";
      this.telemetry.emit("webhook.delivery", {
        ...report,
        outcome: reported,
        status: outcome.status,
        reason: outcome.reason,
      });
      if (last) return { delivered: false, attempts: attempt, reason: outcome.reason, status: outcome.status };
      try {
        await sleep(delayMs(attempt, outcome.retryAfterMs, settings), undefined, { signal });
      } catch {
        return { delivered: false, attempts: attempt, reason: "aborted", status: outcome.status };
      }
    }
  }

  private async attempt(
    message: WebhookMessage,
    signer: Webhook,
    body: string,
    signal: AbortSignal,
    settings: WebhookSettings,
  ): Promise<AttemptOutcome> {
    try {
      // Checked on every attempt: DNS may have changed since the last one, and the connection is pinned to what was
      // checked.
      const target = await validateCallbackUrl(message.url, settings, this.resolve);
      const timestamp = new Date();
      const headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message.messageId,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": signer.sign(message.messageId, timestamp, body),
      };
      const reply = await pinnedPost(
        target,
        headers,
        body,
        AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)]),
      );
      if (reply.status >= 200 && reply.status < 300) return { kind: "delivered", status: reply.status };
      const retryable = reply.status === 408 || reply.status === 429 || reply.status >= 500;
      const retryAfter = reply.headers["retry-after"];
      return {
        kind: retryable ? "retry" : "give_up",
        reason: `HTTP ${reply.status}`,
        status: reply.status,
        retryAfterMs: retryAfter === undefined ? undefined : parseRetryAfter(retryAfter, Date.now()),
      };
    } catch (err) {
      if (err instanceof CallbackUrlError)
        return { kind: err.problem === "unresolvable" ? "retry" : "refused", reason: err.message };
      return { kind: "retry", reason: err instanceof Error ? err.message : String(err) };
    }
  }
}

/** A receiver's retry-after is a floor, up to maxDelayMs: a delivery is not held for longer. */
function delayMs(attempt: number, retryAfterMs: number | undefined, settings: WebhookSettings): number {
  const { baseDelayMs, maxDelayMs } = settings;
  return retryDelayMs(attempt, { baseDelayMs, maxDelayMs, capMs: maxDelayMs }, retryAfterMs);
}

/** The host of a URL, for telemetry. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}
