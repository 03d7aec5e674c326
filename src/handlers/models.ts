import type { Context as ApiContext } from "openapi-backend";
import type { operations } from "../../generated/openapi.js";
import type { ModelDirectory } from "../catalog/model-directory.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";

type ModelParams = operations["retrieveModel"]["parameters"]["path"];

export function modelHandlers(models: ModelDirectory) {
  return {
    listModels(ctx: AppContext): void {
      ctx.body = { object: "list", data: models.list() };
    },

    retrieveModel(ctx: AppContext, api: ApiContext): void {
      const { model } = api.request.params as ModelParams;
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
