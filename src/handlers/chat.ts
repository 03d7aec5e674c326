import type { operations } from "../../generated/openapi.js";
import type { ChatAnswer } from "../chat/chat-answer.js";
import type { ChatPipeline } from "../chat/chat-pipeline.js";
import { completionOf } from "../chat/encode-completion.js";
import { eventStreamOf } from "../chat/encode-event-stream.js";
import type { AppContext } from "../http/app-state.js";
import { clientSignal } from "../http/client-abort.js";
import { writeEventStream } from "../http/event-stream.js";
import type { HandlersOf } from "../http/openapi-dispatch.js";
import { routingHeaders } from "../http/routing-headers.js";
import { rateLimitHeaders } from "../limits/rate-limit-headers.js";
import { adoptBodyRequestId } from "../middleware/request-id.js";
import type { Enqueued } from "../queue/types.js";
import { requestTenant } from "../tenants/request-tenant.js";
import type { TenantDirectory } from "../tenants/tenant-directory.js";

type ChatBody = operations["createChatCompletion"]["requestBody"]["content"]["application/json"];

export interface ChatHandlerDeps {
  chat: ChatPipeline;
  tenants: () => TenantDirectory;
}

export function chatHandlers({
  chat,
  tenants,
}: ChatHandlerDeps): HandlersOf<"createChatCompletion" | "createStreamingChatCompletion"> {
  async function serve(ctx: AppContext, body: ChatBody, stream: boolean): Promise<void> {
    adoptBodyRequestId(ctx, body.request_id);
    const tenant = requestTenant(ctx.state.principal, body.tenant_id, tenants());
    Object.assign(ctx.state.summary, { tenant: tenant.id, stream });
    const admission = await chat.admit({
      tenant,
      request: body,
      requestId: ctx.state.requestId,
      stream,
      overflow: ctx.get("x-runestone-overflow") || undefined,
      signal: clientSignal(ctx),
    });
    ctx.set(rateLimitHeaders(admission.limits));
    if (admission.kind === "queued") return answerQueued(ctx, admission.job, tenant.id);
    const answer = await admission.answer();
    const { routing } = answer;
    Object.assign(ctx.state.summary, {
      provider: routing.provider,
      model: routing.model,
      routingPolicy: routing.policy,
      attempts: routing.attempts,
    });
    try {
      if (stream) {
        const end = await writeEventStream(
          ctx,
          routingHeaders(routing),
          eventStreamOf(answer, body.stream_options?.include_usage === true),
        );
        if (end?.failure) ctx.state.failure = end.failure;
      } else {
        ctx.set(routingHeaders(routing));
        ctx.body = await completionOf(answer);
      }
    } finally {
      await answer.close();
      noteUsage(ctx, answer);
    }
  }

  return {
    createChatCompletion: (ctx, { body }) => serve(ctx, body, body.stream === true),
    createStreamingChatCompletion: (ctx, { body }) => serve(ctx, body, true),
  };
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

function noteUsage(ctx: AppContext, answer: ChatAnswer): void {
  const { usage } = answer;
  ctx.state.summary.upstreamMs = answer.upstreamMs;
  if (usage)
    Object.assign(ctx.state.summary, {
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: usage.costUsd,
    });
}
