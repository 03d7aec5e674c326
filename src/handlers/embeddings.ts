import { embeddingsOperation } from "../embeddings/embeddings-operation.js";
import type { HandlersOf } from "../http/openapi-dispatch.js";
import { type ServeDeps, serveAnswer } from "./serve-answer.js";

export function embeddingsHandlers(deps: ServeDeps): HandlersOf<"createEmbedding"> {
  return {
    createEmbedding: (ctx, { body }) =>
      serveAnswer(ctx, deps, {
        operation: embeddingsOperation,
        request: body,
        tenantId: body.tenant_id,
        requestId: body.request_id,
        stream: undefined,
      }),
  };
}
