import type { operations } from "../../generated/openapi.js";
import type { AnswerUsage, ChatService, Routing } from "../chat/chat-service.js";
import type { AppContext } from "../http/app-state.js";
import { abortOnClientClose } from "../http/client-abort.js";
import { sendEventStream } from "../http/event-stream.js";
import type { HandlersOf } from "../http/openapi-dispatch.js";
import { routingHeaders } from "../http/routing-headers.js";
import type { AdmissionGate } from "../limits/admission-gate.js";
import { rateLimitHeaders } from "../limits/rate-limit-headers.js";
import { adoptBodyRequestId } from "../middleware/request-id.js";
import { requestTenant } from "../tenants/request-tenant.js";
import type { TenantDirectory } from "../tenants/tenant-directory.js";

type ChatBody = operations["createChatCompletion"]["requestBody"]["content"]["application/json"];

export interface ChatHandlerDeps {
  chat: ChatService;
  admission: AdmissionGate;
  tenants: () => TenantDirectory;
}

function noteRouting(ctx: AppContext, routing: Routing): void {
  Object.assign(ctx.state.summary, {
    provider: routing.provider,
    model: routing.model,
    routingPolicy: routing.policy,
    attempts: routing.attempts,
  });
}

export function chatHandlers({
  chat,
  admission,
  tenants,
}: ChatHandlerDeps): HandlersOf<"createChatCompletion" | "createStreamingChatCompletion"> {
  /** Admission first (a slot, or the overflow queue), then the chat, plain or streamed; the slot is freed at the end. */
  async function serve(ctx: AppContext, body: ChatBody, streaming: boolean): Promise<void> {
    adoptBodyRequestId(ctx, body.request_id);
    const summary = ctx.state.summary;
    const tenant = requestTenant(ctx.state.principal, body.tenant_id, tenants());
    const requestId = ctx.state.requestId;
    Object.assign(summary, { tenant: tenant.id, stream: streaming });
    const admitted = await admission.admit({
      tenant,
      request: body,
      requestId,
      overflow: ctx.get("x-runestone-overflow") || undefined,
    });
    ctx.set(rateLimitHeaders(admitted.snapshot));
    if (admitted.kind === "queued") {
      Object.assign(summary, { overflow: "queued", jobId: admitted.job.id });
      ctx.status = 202;
      // Mounted under a prefix (koa-mount sets mountPath), the job's URL is under it too.
      ctx.set("location", `${(ctx as { mountPath?: string }).mountPath ?? ""}/v1/jobs/${admitted.job.id}`);
      ctx.body = {
        message: `Request queued: tenant '${tenant.id}' is at its limit.`,
        job_id: admitted.job.id,
        request_id: requestId,
        estimated_wait_time: admitted.job.estimatedWaitSeconds,
      };
      return;
    }
    let usage: AnswerUsage | undefined;
    try {
      const call = { requestId, signal: abortOnClientClose(ctx).signal, tenant };
      if (streaming) {
        const opened = await chat.openStream(body, call);
        noteRouting(ctx, opened.routing);
        await sendEventStream(ctx, opened);
        const outcome = opened.outcome();
        usage = outcome.usage;
        summary.upstreamMs = outcome.upstreamMs;
      } else {
        const completed = await chat.complete(body, call);
        usage = completed.usage;
        noteRouting(ctx, completed.routing);
        summary.upstreamMs = completed.upstreamMs;
        ctx.set(routingHeaders(completed.routing));
        ctx.body = completed.completion;
      }
    } finally {
      if (usage)
        Object.assign(summary, {
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          costUsd: usage.costUsd,
        });
      await admitted.lease.release(usage ? usage.promptTokens + usage.completionTokens : undefined);
    }
  }

  return {
    createChatCompletion: (ctx, { body }) => serve(ctx, body, body.stream === true),
    createStreamingChatCompletion: (ctx, { body }) => serve(ctx, body, true),
  };
}
