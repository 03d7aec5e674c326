import type { HandlersOf } from "../http/openapi-dispatch.js";
import { requestTenant } from "../tenants/request-tenant.js";
import type { TenantDirectory } from "../tenants/tenant-directory.js";
import { buildUsageReport, usageDays, utcDay } from "../usage/usage-report.js";
import type { UsageStore } from "../usage/usage-store.js";

export function usageHandlers(usage: UsageStore, tenants: () => TenantDirectory): HandlersOf<"getUsage"> {
  return {
    async getUsage(ctx, { query }) {
      const tenant = requestTenant(ctx.state.principal, query.tenant_id, tenants());
      const now = Date.now();
      const days = usageDays(query, now);
      const budget =
        tenant.monthlyBudgetUsd === undefined
          ? undefined
          : {
              monthlyUsd: tenant.monthlyBudgetUsd,
              spentThisMonthUsd: await usage.monthCost(tenant.id, utcDay(now).slice(0, 7)),
            };
      ctx.body = buildUsageReport(tenant.id, days, await usage.days(tenant.id, days), budget);
    },
  };
}
