import type { Registry } from "prom-client";
import type { HandlersOf } from "../http/openapi-dispatch.js";

export function metricsHandlers(registry: Registry): HandlersOf<"getMetrics"> {
  return {
    async getMetrics(ctx) {
      ctx.type = registry.contentType;
      ctx.body = await registry.metrics();
    },
  };
}
