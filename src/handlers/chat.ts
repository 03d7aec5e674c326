import type { Context as ApiContext } from "openapi-backend";
import type { operations } from "../../generated/openapi.js";
import type { ChatService } from "../chat/chat-service.js";
import type { AppContext } from "../http/app-state.js";
import { abortOnClientClose } from "../http/client-abort.js";
import { sendEventStream } from "../http/event-stream.js";
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

/** The validated body (openapi-backend has checked it against the spec before any handler runs). */
function chatBody(api: ApiContext): ChatBody {
  return api.request.requestBody as ChatBody;
}

export function chatHandlers({ chat, admission, tenants }: ChatHandlerDeps) {
  /** Admission first (a slot, or the overflow queue), then the chat, plain or streamed; the slot is freed at the end. */
  async function serve(ctx: AppContext, body: ChatBody, streaming: boolean): Promise<void> {
    adoptBodyRequestId(ctx, body.request_id);
    const tenant = requestTenant(ctx.state.principal, body.tenant_id, tenants());
    const requestId = ctx.state.requestId;
    const admitted = await admission.admit({ tenant, request: body, requestId, overflow: ctx.get("x-runestone-overflow") || undefined });
    ctx.set(rateLimitHeaders(admitted.snapshot));
    if (admitted.kind === "queued") {
      ctx.status = 202;
      ctx.set("location", `/v1/jobs/${admitted.job.id}`);
      ctx.body = { message: `Request queued: tenant '${tenant.id}' is at its limit.`, job_id: admitted.job.id, request_id: requestId, estimated_wait_time: admitted.job.estimatedWaitSeconds };
      return;
    }
    let usedTokens: number | undefined;
    try {
      const call = { requestId, signal: abortOnClientClose(ctx).signal, tenant };
      if (streaming) {
        const opened = await chat.openStream(body, call);
        await sendEventStream(ctx, opened);
        usedTokens = opened.usage();
      } else {
        const { completion, routing } = await chat.complete(body, call);
        usedTokens = completion.usage?.total_tokens;
        ctx.set(routingHeaders(routing));
        ctx.body = completion;
      }
    } finally {
      await admitted.lease.release(usedTokens);
    }
  }

  return {
    createChatCompletion: (ctx: AppContext, api: ApiContext) => {
      const body = chatBody(api);
      return serve(ctx, body, body.stream === true);
    },
    createStreamingChatCompletion: (ctx: AppContext, api: ApiContext) => serve(ctx, chatBody(api), true),
  };
}
