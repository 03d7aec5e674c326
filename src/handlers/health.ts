import type { HealthService } from "../health/health-service.js";
import type { HandlersOf } from "../http/openapi-dispatch.js";

export function healthHandlers(health: HealthService): HandlersOf<"healthCheck" | "livenessCheck" | "readinessCheck"> {
  return {
    async healthCheck(ctx) {
      const report = await health.report();
      ctx.status = report.status === "unhealthy" ? 503 : 200;
      ctx.body = report;
    },

    livenessCheck(ctx) {
      ctx.body = { status: "ok", timestamp: new Date().toISOString() };
    },

    async readinessCheck(ctx) {
      const readiness = await health.readiness();
      ctx.status = readiness.ready ? 200 : 503;
      ctx.body = readiness;
    },
  };
}
