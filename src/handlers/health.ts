import type { HealthService } from "../health/health-service.js";
import type { AppContext } from "../http/app-state.js";

export function healthHandlers(health: HealthService) {
  return {
    async healthCheck(ctx: AppContext): Promise<void> {
      const report = await health.report();
      ctx.status = report.status === "unhealthy" ? 503 : 200;
      ctx.body = report;
    },

    livenessCheck(ctx: AppContext): void {
      ctx.body = { status: "ok", timestamp: new Date().toISOString() };
    },

    async readinessCheck(ctx: AppContext): Promise<void> {
      const readiness = await health.readiness();
      ctx.status = readiness.ready ? 200 : 503;
      ctx.body = readiness;
    },
  };
}
