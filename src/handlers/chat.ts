import type { operations } from "../../generated/openapi.js";
import { chatOperation } from "../chat/chat-operation.js";
import { eventStreamOf } from "../chat/encode-event-stream.js";
import type { AppContext } from "../http/app-state.js";
import type { HandlersOf } from "../http/openapi-dispatch.js";
import { type ServeDeps, serveAnswer } from "./serve-answer.js";

type ChatBody = operations["createChatCompletion"]["requestBody"]["content"]["application/json"];

export function chatHandlers(deps: ServeDeps): HandlersOf<"createChatCompletion" | "createStreamingChatCompletion"> {
  const serve = (ctx: AppContext, body: ChatBody, stream: boolean) =>
    serveAnswer(ctx, deps, {
      operation: chatOperation,
      request: body,
      tenantId: body.tenant_id,
      requestId: body.request_id,
      stream: stream ? (answer) => eventStreamOf(answer, body.stream_options?.include_usage === true) : undefined,
    });
  return {
    createChatCompletion: (ctx, { body }) => serve(ctx, body, body.stream === true),
    createStreamingChatCompletion: (ctx, { body }) => serve(ctx, body, true),
  };
}
