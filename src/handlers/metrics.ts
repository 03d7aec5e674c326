import type { Registry } from "prom-client";
import type { AppContext } from "../http/app-state.js";

export function metricsHandlers(registry: Registry) {
  return {
    async getMetrics(ctx: AppContext): Promise<void> {
      ctx.type = registry.contentType;
      ctx.body = await registry.metrics();
    },
  };
}
