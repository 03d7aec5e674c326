import type { ModelDirectory } from "../catalog/model-directory.js";
import { GatewayError } from "../errors.js";
import type { HandlersOf } from "../http/openapi-dispatch.js";

export function modelHandlers(models: ModelDirectory): HandlersOf<"listModels" | "retrieveModel"> {
  return {
    listModels(ctx) {
      ctx.body = { object: "list", data: models.list() };
    },

    retrieveModel(ctx, { params: { model } }) {
      const found = models.get(model);
      if (!found) {
        throw new GatewayError({
          status: 404,
          type: "not_found_error",
          code: "model_not_found",
          param: "model",
          message: `The model '${model}' does not exist or its provider is not configured.`,
        });
      }
      ctx.body = found;
    },
  };
}
