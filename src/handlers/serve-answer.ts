import type { AppContext } from "../http/app-state.js";
import { clientSignal } from "../http/client-abort.js";
import { writeEventStream } from "../http/event-stream.js";
import { routingHeaders } from "../http/routing-headers.js";
import { rateLimitHeaders } from "../limits/rate-limit-headers.js";
import { adoptBodyRequestId } from "../middleware/request-id.js";
import type { Answer } from "../pipeline/answer.js";
import type { Operation } from "../pipeline/operation.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { StreamEnd } from "../pipeline/stream-end.js";
import type { Enqueued } from "../queue/types.js";
import { requestTenant } from "../tenants/request-tenant.js";
import type { TenantDirectory } from "../tenants/tenant-directory.js";

export interface ServeDeps {
  pipeline: Pipeline;
  tenants: () => TenantDirectory;
}

export interface Served<Request, Event, Out, Plain> {
  operation: Operation<Request, Event, Out, Plain>;
  request: Request;
  /** Runestone's `tenant_id` and `request_id` of the body. */
  tenantId: string | undefined;
  requestId: string | undefined;
  /** The answer as server-sent events when the client asked for a stream; undefined for a plain answer. */
  stream: ((answer: Answer<Event, Out>) => AsyncGenerator<string, StreamEnd>) | undefined;
}

/**
 * One request of any operation, from the handler's side: its tenant, admission (202 and a job when queued; a wait for
 * a slot happens inside it), then the answer, streamed or plain, with the routing and rate-limit headers; what it
 * used goes in the request's log line and metrics.
 */
export async function serveAnswer<Request, Event, Out, Plain>(
  ctx: AppContext,
  { pipeline, tenants }: ServeDeps,
  served: Served<Request, Event, Out, Plain>,
): Promise<void> {
  const { operation, request } = served;
  const stream = served.stream !== undefined;
  adoptBodyRequestId(ctx, served.requestId);
  const tenant = requestTenant(ctx.state.principal, served.tenantId, tenants());
  Object.assign(ctx.state.summary, { tenant: tenant.id, stream });
  const admission = await pipeline.admit(operation, {
    tenant,
    request,
    requestId: ctx.state.requestId,
    stream,
    overflow: { header: ctx.get("x-runestone-overflow") || undefined, prefer: ctx.get("prefer") || undefined },
    signal: clientSignal(ctx),
  });
  ctx.set(rateLimitHeaders(admission.limits));
  if (admission.kind === "queued") return answerQueued(ctx, admission.job, tenant.id);
  if (admission.waited) ctx.state.summary.overflow = "waited";
  const answer = await admission.answer();
  const { routing } = answer;
  Object.assign(ctx.state.summary, {
    provider: routing.provider,
    model: routing.model,
    routingPolicy: routing.policy,
    attempts: routing.attempts,
  });
  try {
    if (served.stream) {
      const end = await writeEventStream(ctx, routingHeaders(routing), served.stream(answer));
      if (end?.failure) ctx.state.failure = end.failure;
    } else {
      ctx.set(routingHeaders(routing));
      ctx.body = await operation.collect(answer);
    }
  } finally {
    await answer.close();
    noteUsage(ctx, answer);
  }
}

function answerQueued(ctx: AppContext, job: Enqueued, tenant: string): void {
  Object.assign(ctx.state.summary, { overflow: "queued", jobId: job.id });
  ctx.status = 202;
  // Mounted under a prefix (koa-mount sets mountPath), the job's URL is under it too.
  ctx.set("location", `${(ctx as { mountPath?: string }).mountPath ?? ""}/v1/jobs/${job.id}`);
  ctx.body = {
    message: `Request queued: tenant '${tenant}' is at its limit.`,
    job_id: job.id,
    request_id: ctx.state.requestId,
    estimated_wait_time: job.estimatedWaitSeconds,
  };
}

function noteUsage<Event, Out>(ctx: AppContext, answer: Answer<Event, Out>): void {
  const { usage } = answer;
  ctx.state.summary.upstreamMs = answer.upstreamMs;
  if (usage)
    Object.assign(ctx.state.summary, {
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: usage.costUsd,
    });
}
