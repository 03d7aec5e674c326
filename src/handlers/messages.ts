import type { AppContext } from "../http/app-state.js";
import { clientSignal } from "../http/client-abort.js";
import type { HandlersOf } from "../http/openapi-dispatch.js";
import { countTokens } from "../messages/count-tokens.js";
import { anthropicEventStreamOf } from "../messages/encode-message-stream.js";
import { messagesOperation } from "../messages/messages-operation.js";
import { adoptBodyRequestId } from "../middleware/request-id.js";
import type { AnthropicHeaders } from "../providers/types.js";
import { requestTenant } from "../tenants/request-tenant.js";
import { type ServeDeps, serveAnswer } from "./serve-answer.js";

/** The client's anthropic-version and anthropic-beta, which Claude sees too. */
function anthropicHeaders(ctx: AppContext): AnthropicHeaders {
  return { version: ctx.get("anthropic-version") || undefined, beta: ctx.get("anthropic-beta") || undefined };
}

export function messagesHandlers(deps: ServeDeps): HandlersOf<"createMessage" | "countMessageTokens"> {
  return {
    createMessage: (ctx, { body }) =>
      serveAnswer(ctx, deps, {
        operation: messagesOperation,
        request: { body, headers: anthropicHeaders(ctx) },
        tenantId: body.tenant_id,
        requestId: body.request_id,
        stream: body.stream === true ? anthropicEventStreamOf : undefined,
      }),

    async countMessageTokens(ctx, { body }) {
      adoptBodyRequestId(ctx, body.request_id);
      const tenant = requestTenant(ctx.state.principal, body.tenant_id, deps.tenants());
      ctx.state.summary.tenant = tenant.id;
      const count = await countTokens(deps.pipeline, {
        tenant,
        payload: { body, headers: anthropicHeaders(ctx) },
        requestId: ctx.state.requestId,
        signal: clientSignal(ctx),
      });
      Object.assign(ctx.state.summary, { provider: count.routing.provider, model: count.routing.model });
      ctx.set({
        "x-runestone-provider": count.routing.provider,
        "x-runestone-model": count.routing.model,
        "x-runestone-token-count": count.exact ? "exact" : "estimated",
      });
      ctx.body = { input_tokens: count.inputTokens };
    },
  };
}
