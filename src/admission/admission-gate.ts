import { GatewayError, invalidRequest } from "../errors/gateway-error.js";
import { rateLimitHeaders } from "../limits/rate-limit-headers.js";
import type { LimitSnapshot, RefusalReason } from "../limits/types.js";
import { QueueFullError } from "../queue/job-errors.js";
import type { Enqueued, OverflowQueue, QueuedRequest } from "../queue/types.js";
import type { Telemetry } from "../telemetry/events.js";
import type { Tenant } from "../tenants/tenant-directory.js";
import type { AddressPolicy } from "../webhooks/address-policy.js";
import { CallbackUrlError, validateCallbackUrl } from "../webhooks/callback-url.js";
import { ClientAbortedError } from "../errors/client-aborted.js";
import { estimateWaitSeconds } from "../queue/wait-estimate.js";
import { type OverflowWishes, overflowModeOf } from "./overflow-choice.js";
import type { SlotWaiters } from "./slot-waiters.js";
import type { Slot, SlotRefusal, TenantSlots } from "./slots.js";

export type AdmissionOutcome =
  | {
      kind: "admitted";
      slot: Slot;
      snapshot: LimitSnapshot;
      /** The request waited on its connection for the slot (overflow wait). */
      waited: boolean;
    }
  | { kind: "queued"; job: Enqueued; snapshot: LimitSnapshot };

export interface AdmissionInput {
  tenant: Tenant;
  requestId: string;
  /** What the client's headers say about overflow (`x-runestone-overflow`, `Prefer`). */
  overflow: Omit<OverflowWishes, "hasCallbackUrl">;
  /** What a slot reserves for the request: its prompt estimate and the completion tokens assumed. */
  tokens: number;
  /** The request as a queued job would store and run it. */
  job: QueuedRequest;
  /** Where the queued job's end is posted (Runestone's `callback_url`); the tenant's default when absent. */
  callbackUrl: string | undefined;
  /** Aborted when the client goes away: a waiting request then gives its place up. */
  signal: AbortSignal;
}

export interface AdmissionGateOptions {
  slots: TenantSlots;
  /** The requests waiting on their connection for a slot (overflow wait). */
  waiters: SlotWaiters;
  queue: OverflowQueue;
  /** Which addresses callback URLs may resolve to. */
  callbackPolicy: () => AddressPolicy;
  telemetry: Telemetry;
}

/**
 * Per-tenant admission of a client's request (any operation): a slot (and the per-minute budgets) before the
 * upstream call; over the limit, as the request's overflow mode says (see overflowModeOf): a wait on the connection
 * for a slot, in line with the tenant's other waiters (then the answer, or a 429 past max_wait_ms), the overflow
 * queue (202 and a job), or a 429 at once.
 */
export class AdmissionGate {
  constructor(private readonly options: AdmissionGateOptions) {}

  async admit(input: AdmissionInput): Promise<AdmissionOutcome> {
    const { tenant, tokens } = input;
    const { slots, queue, waiters, telemetry } = this.options;
    const mode = overflowModeOf(tenant, { ...input.overflow, hasCallbackUrl: input.callbackUrl !== undefined });
    // Requests already waiting were first: a newcomer that would wait too goes behind them.
    const lineRefusal = mode === "wait" ? waiters.lastRefusal(tenant.id) : undefined;
    if (lineRefusal) return this.waitForSlot(input, lineRefusal);
    const decision = await slots.take(tenant, tokens);
    if (decision.granted) {
      // Queued jobs keep their place: while the tenant has a backlog, a new request in queue mode goes behind it
      // rather than taking the slot a queued job is waiting for. (Its tokens are given back; the request still
      // counts once against a per-minute request limit.)
      if (mode === "queue" && (await queue.depth(tenant.id).catch(() => 0)) > 0) {
        await decision.slot.release(0);
        return this.enqueue(input, decision.snapshot, "backlog");
      }
      telemetry.emit("limits.check", { tenant: tenant.id, result: "allowed" });
      return { kind: "admitted", slot: this.timed(tenant, decision.slot), snapshot: decision.snapshot, waited: false };
    }
    switch (mode) {
      case "reject":
        telemetry.emit("limits.check", { tenant: tenant.id, result: "rejected", reason: decision.reason });
        throw new GatewayError(
          "rate_limit_exceeded",
          `${describeRefusal(decision.reason, tenant)} ` +
            "Retry later, or send x-runestone-overflow: queue to have it queued.",
          { retryAfterMs: Math.max(1000, decision.retryAfterMs), headers: rateLimitHeaders(decision.snapshot) },
        );
      case "queue":
        return this.enqueue(input, decision.snapshot, decision.reason);
      case "wait":
        return this.waitForSlot(input, decision);
    }
  }

  /** Overflow wait: the request's answer once a slot is its, or a 429 past the tenant's max_wait_ms. */
  private async waitForSlot(input: AdmissionInput, refused: SlotRefusal): Promise<AdmissionOutcome> {
    const { tenant, tokens, signal } = input;
    const { slots, waiters, telemetry } = this.options;
    // Each waiting request holds a connection and its body: the line is as long as the tenant's queue may be.
    if (waiters.waiting(tenant.id) >= tenant.maxQueueDepth) {
      telemetry.emit("limits.check", { tenant: tenant.id, result: "rejected", reason: "wait_line_full" });
      throw new GatewayError(
        "queue_full",
        `Tenant '${tenant.id}' already has ${tenant.maxQueueDepth} requests waiting for a slot (its max_queue_depth).`,
        { retryAfterMs: await this.retryAfterWaitMs(tenant, refused), headers: rateLimitHeaders(refused.snapshot) },
      );
    }
    const waited = await waiters.wait({
      tenant: tenant.id,
      refused,
      until: Date.now() + tenant.maxWaitMs,
      signal,
      take: () => slots.take(tenant, tokens),
    });
    switch (waited.kind) {
      case "admitted": {
        const { slot, snapshot } = waited.decision;
        telemetry.emit("limits.check", { tenant: tenant.id, result: "allowed", reason: "waited" });
        return { kind: "admitted", slot: this.timed(tenant, slot), snapshot, waited: true };
      }
      case "abandoned":
        throw signal.reason instanceof Error ? signal.reason : new ClientAbortedError();
      case "timed_out": {
        const { refusal } = waited;
        telemetry.emit("limits.check", { tenant: tenant.id, result: "rejected", reason: "wait_timeout" });
        throw new GatewayError(
          "rate_limit_exceeded",
          `${describeRefusal(refusal.reason, tenant)} No slot freed within ${tenant.maxWaitMs} ms (max_wait_ms); ` +
            "retry later, or send Prefer: respond-async to have it queued as a job.",
          { retryAfterMs: await this.retryAfterWaitMs(tenant, refusal), headers: rateLimitHeaders(refusal.snapshot) },
        );
      }
    }
  }

  /**
   * After a wait that found no slot: a per-minute limit's own wait, or about when a retry would get a slot behind the
   * requests still waiting, from the tenant's measured service times (never less than a second).
   */
  private async retryAfterWaitMs(tenant: Tenant, refusal: SlotRefusal): Promise<number> {
    const limitWaitMs = refusal.reason !== "concurrency" ? refusal.retryAfterMs : 0;
    const meanMs = await this.options.queue.meanServiceMs(tenant.id).catch(() => 0);
    const ahead = this.options.waiters.waiting(tenant.id);
    return Math.max(1000, limitWaitMs, estimateWaitSeconds(ahead, meanMs, tenant.limits.maxConcurrency) * 1000);
  }

  /** The slot, measured: how long a live answer held it feeds the wait estimates (see wait-estimate.ts). */
  private timed(tenant: Tenant, slot: Slot): Slot {
    const began = performance.now();
    const queue = this.options.queue;
    let measured = false;
    return {
      id: slot.id,
      release(usedTokens) {
        // An answer gives its slot back with the tokens it used; a request that failed before any answer did not
        // show how long serving takes.
        if (usedTokens !== undefined && !measured) {
          measured = true;
          void queue.recordServiceTime(tenant.id, performance.now() - began).catch(() => undefined);
        }
        return slot.release(usedTokens);
      },
    };
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
