import type { Context as ApiContext } from "openapi-backend";
import type { operations } from "../../generated/openapi.js";
import type { ChatService } from "../chat/chat-service.js";
import type { AppContext } from "../http/app-state.js";
import { abortOnClientClose } from "../http/client-abort.js";
import { sendEventStream } from "../http/event-stream.js";
import { routingHeaders } from "../http/routing-headers.js";
import { adoptBodyRequestId } from "../middleware/request-id.js";

type ChatBody = operations["createChatCompletion"]["requestBody"]["content"]["application/json"];

/** The validated body (openapi-backend has checked it against the spec before any handler runs). */
function chatBody(api: ApiContext): ChatBody {
  return api.request.requestBody as ChatBody;
}

export function chatHandlers(chat: ChatService) {
  async function stream(ctx: AppContext, body: ChatBody): Promise<void> {
    const controller = abortOnClientClose(ctx);
    const opened = await chat.openStream(body, { requestId: ctx.state.requestId, signal: controller.signal });
    await sendEventStream(ctx, opened);
  }

  return {
    async createChatCompletion(ctx: AppContext, api: ApiContext): Promise<void> {
      const body = chatBody(api);
      adoptBodyRequestId(ctx, body.request_id);
      if (body.stream === true) return stream(ctx, body);
      const controller = abortOnClientClose(ctx);
      const { completion, routing } = await chat.complete(body, { requestId: ctx.state.requestId, signal: controller.signal });
      ctx.set(routingHeaders(routing));
      ctx.body = completion;
    },

    async createStreamingChatCompletion(ctx: AppContext, api: ApiContext): Promise<void> {
      const body = chatBody(api);
      adoptBodyRequestId(ctx, body.request_id);
      await stream(ctx, body);
    },
  };
}
