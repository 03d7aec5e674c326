import { setTimeout as sleep } from "node:timers/promises";
import type { Telemetry } from "../telemetry/events.js";
import { hostOf } from "../webhooks/webhook-sender.js";
import type { StoredJob } from "./job-store.js";
import { toJobBody, toJobRecord } from "./job-view.js";
import type { WorkerSetup } from "./types.js";

/**
 * Sends the webhook of a finished job (to its callback_url, else the tenant's default), in the background: a
 * receiver that is down must not hold up the tenant's queue while its deliveries are retried. A delivery still
 * retrying when the process dies is lost (delivery is at most once per finished job).
 */
export class JobNotifier {
  private readonly pending = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly telemetry: Telemetry,
    private readonly webhooks: WorkerSetup["webhooks"],
  ) {}

  jobFinished(job: StoredJob): void {
    if (!this.webhooks) return;
    const tenantWebhook = this.webhooks.forTenant(job.tenant);
    const url = job.callbackUrl ?? tenantWebhook?.defaultUrl;
    if (url === undefined) return;
    if (tenantWebhook?.secret === undefined) {
      this.telemetry.emit("webhook.delivery", {
        messageId: job.id,
        host: hostOf(url),
        attempt: 0,
        outcome: "refused",
        durationMs: 0,
        reason: "the tenant has no webhook secret",
      });
      return;
    }
    const message = {
      url,
      secret: tenantWebhook.secret,
      messageId: job.id,
      payload: toJobBody(toJobRecord(job, Date.now())),
    };
    // The sender reports its outcomes through telemetry; it does not throw.
    const delivery: Promise<void> = this.webhooks.sender.send(message, this.abort.signal).then(
      () => void this.pending.delete(delivery),
      () => void this.pending.delete(delivery),
    );
    this.pending.add(delivery);
  }

  /** Lets deliveries in progress finish within graceMs, then abandons the rest. */
  async close(graceMs: number): Promise<void> {
    const all = Promise.all(this.pending);
    await Promise.race([all, sleep(graceMs, undefined, { ref: false })]);
    this.abort.abort();
    await all;
  }
}
