import { GatewayError, invalidRequest } from "../errors.js";
import type { ChatRequest } from "../providers/types.js";
import { QueueFullError } from "../queue/job-errors.js";
import type { Enqueued, OverflowQueue } from "../queue/types.js";
import { estimatePromptTokens, requestedMaxTokens } from "../routing/token-estimate.js";
import type { Telemetry } from "../telemetry/events.js";
import type { Tenant } from "../tenants/tenant-directory.js";
import type { AddressPolicy } from "../webhooks/address-policy.js";
import { CallbackUrlError, validateCallbackUrl } from "../webhooks/callback-url.js";
import { rateLimitHeaders } from "./rate-limit-headers.js";
import type { Lease, Limiter, LimitSnapshot } from "./types.js";

export type Admission =
  | { kind: "admitted"; lease: Lease; snapshot: LimitSnapshot }
  | { kind: "queued"; job: Enqueued; snapshot: LimitSnapshot };

export interface AdmissionRequest {
  tenant: Tenant;
  request: ChatRequest;
  requestId: string;
  /** The `x-runestone-overflow` header: the client's choice over the tenant's overflow mode. */
  overflow: string | undefined;
}

export interface AdmissionGateOptions {
  limiter: Limiter;
  queue: OverflowQueue;
  /** Completion tokens reserved for a request that names no max tokens (reconciled with real usage). */
  defaultCompletionTokens: () => number;
  /** Which addresses callback URLs may resolve to. */
  callbackPolicy: () => AddressPolicy;
  telemetry: Telemetry;
  /** Told when giving a slot back failed (state backend away): the lease then expires by itself. */
  onReleaseError: (err: unknown, tenant: string) => void;
}

/**
 * Per-tenant admission: a slot (and the per-minute budgets) before the upstream call, or, over the limit, the
 * overflow queue (202 and a job) or a 429, as the tenant's mode or the client's `x-runestone-overflow` says.
 */
export class AdmissionGate {
  constructor(private readonly options: AdmissionGateOptions) {}

  async admit({ tenant, request, requestId, overflow }: AdmissionRequest): Promise<Admission> {
    const estimatedTokens =
      estimatePromptTokens(request) + (requestedMaxTokens(request) ?? this.options.defaultCompletionTokens());
    const admission = await this.options.limiter
      .admit({ tenant: tenant.id, limits: tenant.limits, estimatedTokens })
      .catch((err: unknown) => {
        // Limits live in the state backend: without it no limit can be enforced, and readiness already says 503.
        throw new GatewayError({
          status: 503,
          type: "service_error",
          code: "state_backend_unavailable",
          message: `The rate limiter's state backend is unreachable (${err instanceof Error ? err.message : String(err)}); try again shortly.`,
          retryAfter: "1",
        });
      });
    const { telemetry } = this.options;
    const mode = overflow === "queue" || overflow === "reject" ? overflow : tenant.overflow;
    // Queued jobs keep their place: while the tenant has a backlog, a new request in queue mode goes behind it
    // rather than taking the slot a queued job is waiting for.
    // (Its tokens are given back; the request still counts once against a per-minute request limit.)
    if (admission.admitted && mode === "queue" && (await this.options.queue.depth(tenant.id).catch(() => 0)) > 0) {
      await admission.lease.release(0).catch((err: unknown) => this.options.onReleaseError(err, tenant.id));
      return this.enqueue(tenant, request, requestId, admission.snapshot, "backlog");
    }
    if (admission.admitted) {
      telemetry.emit("limits.check", { tenant: tenant.id, result: "allowed" });
      telemetry.emit("limits.slot", { tenant: tenant.id, delta: 1 });
      const lease = admission.lease;
      const release = (actualTokens?: number) =>
        lease
          .release(actualTokens)
          .catch((err: unknown) => this.options.onReleaseError(err, tenant.id))
          .finally(() => telemetry.emit("limits.slot", { tenant: tenant.id, delta: -1 }));
      return { kind: "admitted", lease: { id: lease.id, release: once(release) }, snapshot: admission.snapshot };
    }

    const why = describeRefusal(admission.reason, tenant);
    if (mode === "reject") {
      telemetry.emit("limits.check", { tenant: tenant.id, result: "rejected", reason: admission.reason });
      throw new GatewayError({
        status: 429,
        type: "rate_limit_error",
        code: "rate_limit_exceeded",
        message: `${why} Retry later, or send x-runestone-overflow: queue to have it queued.`,
        retryAfter: String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000))),
        headers: rateLimitHeaders(admission.snapshot),
      });
    }
    return this.enqueue(tenant, request, requestId, admission.snapshot, admission.reason);
  }

  private async enqueue(
    tenant: Tenant,
    request: ChatRequest,
    requestId: string,
    snapshot: LimitSnapshot,
    reason: string,
  ): Promise<Admission> {
    const callbackUrl = request.callback_url ?? undefined;
    if (callbackUrl !== undefined) await this.checkCallback(callbackUrl);
    const { stream: _stream, stream_options: _options, ...queued } = request;
    const job = await this.options.queue
      .enqueue({
        tenant: tenant.id,
        requestId,
        request: queued,
        callbackUrl,
        maxConcurrency: tenant.limits.maxConcurrency,
        maxDepth: tenant.maxQueueDepth,
      })
      .catch((err: unknown) => {
        throw err instanceof QueueFullError
          ? new GatewayError({
              status: 429,
              type: "rate_limit_error",
              code: "queue_full",
              message: err.message,
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

/** The first call's promise, for every call: a lease is released exactly once. */
function once(release: (actualTokens?: number) => Promise<void>): (actualTokens?: number) => Promise<void> {
  let released: Promise<void> | undefined;
  return (actualTokens) => (released ??= release(actualTokens));
}

function describeRefusal(reason: "concurrency" | "requests_per_minute" | "tokens_per_minute", tenant: Tenant): string {
  switch (reason) {
    case "concurrency":
      return `Tenant '${tenant.id}' has ${tenant.limits.maxConcurrency} requests in flight, its limit.`;
    case "requests_per_minute":
      return `Tenant '${tenant.id}' has used its ${tenant.limits.requestsPerMinute} requests per minute.`;
    case "tokens_per_minute":
      return `Tenant '${tenant.id}' has used its ${tenant.limits.tokensPerMinute} tokens per minute.`;
  }
}
