import type { TenantSlots } from "../admission/slots.js";
import { chatOperation } from "../chat/chat-operation.js";
import { embeddingsOperation } from "../embeddings/embeddings-operation.js";
import { GatewayError } from "../errors/gateway-error.js";
import { messagesOperation } from "../messages/messages-operation.js";
import type { Operation } from "../pipeline/operation.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { JobOutput, JobPayload, JobResult, JobRunner } from "../queue/types.js";
import { reservedTokensOf, type RouteRequest } from "../routing/route-request.js";
import type { Tenant, TenantDirectory } from "../tenants/tenant-directory.js";

/** Workers per tenant per process for queued jobs (each also needs a free slot of the tenant to run). */
const MAX_JOB_WORKERS_PER_TENANT = 16;

export interface JobRunnerDeps {
  pipeline: Pipeline;
  slots: TenantSlots;
  tenants: () => TenantDirectory;
  /** Completion tokens a slot reserves for a request that names no max tokens. */
  defaultMaxTokens: () => number;
}

/**
 * How the overflow queue's workers run a job, whatever its operation: a slot of its tenant taken as a live
 * request's is (same token reservation, same slot reporting), then the pipeline from plan on, answered plain; the
 * plain answer (a chat.completion, a Message, an embedding list) is the job's result.
 */
export function pipelineJobRunner({ pipeline, slots, tenants, defaultMaxTokens }: JobRunnerDeps): JobRunner {
  const tenantOf = (id: string): Tenant => {
    const tenant = tenants().get(id);
    if (!tenant) throw new GatewayError("internal_error", `Tenant '${id}' is no longer configured.`);
    return tenant;
  };

  async function run<Request, Event, Out, Plain extends JobOutput>(
    operation: Operation<Request, Event, Out, Plain>,
    job: JobPayload,
    request: Request,
    signal: AbortSignal,
  ): Promise<JobResult> {
    const answer = await pipeline.runJob(operation, { ...job, request, tenant: tenantOf(job.tenant), signal });
    try {
      const output = await operation.collect(answer);
      const used = answer.usage;
      return { output, usedTokens: used && used.promptTokens + used.completionTokens };
    } finally {
      await answer.close();
    }
  }

  return {
    async takeSlot(job) {
      const tokens = reservedTokensOf(routeOf(job), defaultMaxTokens());
      const decision = await slots.take(tenantOf(job.tenant), tokens);
      return decision.granted ? decision.slot : undefined;
    },
    run(job, signal) {
      switch (job.operation) {
        case "messages":
          return run(messagesOperation, job, job.request, signal);
        case "embeddings":
          return run(embeddingsOperation, job, job.request, signal);
        default:
          return run(chatOperation, job, job.request, signal);
      }
    },
    // Queued jobs are overflow: a few at a time per process is plenty, however high the tenant's limit.
    concurrency: (tenant) => Math.min(MAX_JOB_WORKERS_PER_TENANT, tenants().get(tenant)?.limits.maxConcurrency ?? 1),
  };
}

function routeOf(job: JobPayload): RouteRequest {
  switch (job.operation) {
    case "messages":
      return messagesOperation.route(job.request);
    case "embeddings":
      return embeddingsOperation.route(job.request);
    default:
      return chatOperation.route(job.request);
  }
}
