import type { ChatService } from "../chat/chat-service.js";
import type { Limiter } from "../limits/types.js";
import { isRetryable } from "../routing/retry-policy.js";
import type { TenantDirectory } from "../tenants/tenant-directory.js";
import type { JobRunner } from "./types.js";

/** Workers per tenant per process for queued jobs (each also needs a free slot of the tenant to run). */
const MAX_JOB_WORKERS_PER_TENANT = 16;

export interface ChatJobRunnerDeps {
  limiter: Limiter;
  chat: ChatService;
  /** The tenants as configured now. */
  tenants: () => TenantDirectory;
  /** Completion tokens reserved for a job (reconciled with its real usage). */
  reservedTokens: () => number;
}

/** Runs queued chat requests: a slot of the tenant's limits, then the chat service, as a live request would. */
export function chatJobRunner({ limiter, chat, tenants, reservedTokens }: ChatJobRunnerDeps): JobRunner {
  return {
    async admit(tenantId) {
      const tenant = tenants().get(tenantId);
      if (!tenant) return undefined;
      const admission = await limiter.admit({
        tenant: tenantId,
        limits: tenant.limits,
        estimatedTokens: reservedTokens(),
      });
      return admission.admitted ? admission.lease : undefined;
    },
    async run(job, signal) {
      const tenant = tenants().get(job.tenant);
      if (!tenant) throw new Error(`tenant '${job.tenant}' is no longer configured`);
      return (await chat.complete(job.request, { requestId: job.requestId, signal, tenant })).completion;
    },
    isRetryable,
    // Queued jobs are overflow: a few at a time per process is plenty, however high the tenant's limit. Taken
    // when this process starts serving the tenant (bee-queue fixes a queue's concurrency); the slot check above
    // applies the tenant's current limit to every run.
    concurrency: (tenantId) =>
      Math.min(MAX_JOB_WORKERS_PER_TENANT, tenants().get(tenantId)?.limits.maxConcurrency ?? 1),
  };
}
