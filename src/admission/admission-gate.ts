import { GatewayError, invalidRequest } from "../errors/gateway-error.js";
import { rateLimitHeaders } from "../limits/rate-limit-headers.js";
import type { LimitSnapshot, RefusalReason } from "../limits/types.js";
import { QueueFullError } from "../queue/job-errors.js";
import type { Enqueued, OverflowQueue, QueuedRequest } from "../queue/types.js";
import type { Telemetry } from "../telemetry/events.js";
import type { Tenant } from "../tenants/tenant-directory.js";
import type { AddressPolicy } from "../webhooks/address-policy.js";
import { CallbackUrlError, validateCallbackUrl } from "../webhooks/callback-url.js";
import type { Slot, TenantSlots } from "./slots.js";

export type AdmissionOutcome =
  | { kind: "admitted"; slot: Slot; snapshot: LimitSnapshot }
  | { kind: "queued"; job: Enqueued; snapshot: LimitSnapshot };

export interface AdmissionInput {
  tenant: Tenant;
  requestId: string;
  /** The `x-runestone-overflow` header: the client's choice over the tenant's overflow mode. */
  overflow: string | undefined;
  /** What a slot reserves for the request: its prompt estimate and the completion tokens assumed. */
  tokens: number;
  /** The request as a queued job would store and run it. */
  job: QueuedRequest;
  /** Where the queued job's end is posted (Runestone's `callback_url`); the tenant's default when absent. */
  callbackUrl: string | undefined;
}

export interface AdmissionGateOptions {
  slots: TenantSlots;
  queue: OverflowQueue;
  /** Which addresses callback URLs may resolve to. */
  callbackPolicy: () => AddressPolicy;
  telemetry: Telemetry;
}

/**
 * Per-tenant admission of a client's request (any operation): a slot (and the per-minute budgets) before the
 * upstream call, or, over the limit, the overflow queue (202 and a job) or a 429, as the tenant's mode or the client's
 * `x-runestone-overflow` says.
 */
export class AdmissionGate {
  constructor(private readonly options: AdmissionGateOptions) {}

  async admit(input: AdmissionInput): Promise<AdmissionOutcome> {
    const { tenant, tokens, overflow } = input;
    const { slots, queue, telemetry } = this.options;
    const decision = await slots.take(tenant, tokens);
    const mode = overflow === "queue" || overflow === "reject" ? overflow : tenant.overflow;
    if (decision.granted) {
      // Queued jobs keep their place: while the tenant has a backlog, a new request in queue mode goes behind it
      // rather than taking the slot a queued job is waiting for. (Its tokens are given back; the request still
      // counts once against a per-minute request limit.)
      if (mode === "queue" && (await queue.depth(tenant.id).catch(() => 0)) > 0) {
        await decision.slot.release(0);
        return this.enqueue(input, decision.snapshot, "backlog");
      }
      telemetry.emit("limits.check", { tenant: tenant.id, result: "allowed" });
      return { kind: "admitted", slot: decision.slot, snapshot: decision.snapshot };
    }
    if (mode === "reject") {
      telemetry.emit("limits.check", { tenant: tenant.id, result: "rejected", reason: decision.reason });
      throw new GatewayError(
        "rate_limit_exceeded",
        `${describeRefusal(decision.reason, tenant)} ` +
          "Retry later, or send x-runestone-overflow: queue to have it queued.",
        { retryAfterMs: Math.max(1000, decision.retryAfterMs), headers: rateLimitHeaders(decision.snapshot) },
      );
    }
    return this.enqueue(input, decision.snapshot, decision.reason);
  }

  private async enqueue(
    { tenant, requestId, job: queued, callbackUrl }: AdmissionInput,
    snapshot: LimitSnapshot,
    reason: string,
  ): Promise<AdmissionOutcome> {
    if (callbackUrl !== undefined) await this.checkCallback(callbackUrl);
    const job = await this.options.queue
      .enqueue({
        tenant: tenant.id,
        requestId,
        ...queued,
        callbackUrl,
        maxConcurrency: tenant.limits.maxConcurrency,
        maxDepth: tenant.maxQueueDepth,
      })
      .catch((err: unknown) => {
        throw err instanceof QueueFullError
          ? new GatewayError("queue_full", err.message, {
              retryAfterMs: err.retryAfterMs,
              headers: rateLimitHeaders(snapshot),
            })
          : err;
      });
    this.options.telemetry.emit("limits.check", { tenant: tenant.id, result: "queued", reason });
    return { kind: "queued", job, snapshot };
  }

  private async checkCallback(url: string): Promise<void> {
    try {
      await validateCallbackUrl(url, this.options.callbackPolicy());
    } catch (err) {
      if (err instanceof CallbackUrlError) throw invalidRequest(`callback_url: ${err.message}`, "callback_url");
      throw err;
    }
  }
}

function describeRefusal(reason: RefusalReason, tenant: Tenant): string {
  switch (reason) {
    case "concurrency":
      return `Tenant '${tenant.id}' has ${tenant.limits.maxConcurrency} requests in flight, its limit.`;
    case "requests_per_minute":
      return `Tenant '${tenant.id}' has used its ${tenant.limits.requestsPerMinute} requests per minute.`;
    case "tokens_per_minute":
      return `Tenant '${tenant.id}' has used its ${tenant.limits.tokensPerMinute} tokens per minute.`;
  }
}
