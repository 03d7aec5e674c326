import type { TenantSlots } from "../admission/slots.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { JobRunner } from "../queue/types.js";
import type { Tenant, TenantDirectory } from "../tenants/tenant-directory.js";
import type { ChatPipeline } from "./chat-pipeline.js";
import { completionOf } from "./encode-completion.js";

/** Workers per tenant per process for queued jobs (each also needs a free slot of the tenant to run). */
const MAX_JOB_WORKERS_PER_TENANT = 16;

/**
 * How the overflow queue's workers run a job: a slot of its tenant taken as a live request's is (same token
 * reservation, same slot reporting), then the chat pipeline from plan on, answered plain.
 */
export function chatJobRunner(chat: ChatPipeline, slots: TenantSlots, tenants: () => TenantDirectory): JobRunner {
  const tenantOf = (id: string): Tenant => {
    const tenant = tenants().get(id);
    if (!tenant) throw new GatewayError("internal_error", `Tenant '${id}' is no longer configured.`);
    return tenant;
  };
  return {
    async takeSlot(job) {
      const decision = await slots.take(tenantOf(job.tenant), job.request);
      return decision.granted ? decision.slot : undefined;
    },
    async run(job, signal) {
      const answer = await chat.runJob({ ...job, tenant: tenantOf(job.tenant), signal });
      try {
        const completion = await completionOf(answer);
        const used = answer.usage;
        return { completion, usedTokens: used && used.promptTokens + used.completionTokens };
      } finally {
        await answer.close();
      }
    },
    // Queued jobs are overflow: a few at a time per process is plenty, however high the tenant's limit.
    concurrency: (tenant) => Math.min(MAX_JOB_WORKERS_PER_TENANT, tenants().get(tenant)?.limits.maxConcurrency ?? 1),
  };
}
