import type { ModelDirectory } from "../catalog/model-directory.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { HandlersOf } from "../http/openapi-dispatch.js";

export function modelHandlers(models: ModelDirectory): HandlersOf<"listModels" | "retrieveModel"> {
  return {
    listModels(ctx) {
      ctx.body = { object: "list", data: models.list() };
    },

    retrieveModel(ctx, { params: { model } }) {
      const found = models.get(model);
      if (!found) {
        throw new GatewayError(
          "model_not_found",
          `The model '${model}' does not exist or its provider is not configured.`,
          { param: "model" },
        );
      }
      ctx.body = found;
    },
  };
}
