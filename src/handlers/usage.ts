import type { Context as ApiContext } from "openapi-backend";
import type { operations } from "../../generated/openapi.js";
import type { AppContext } from "../http/app-state.js";
import { requestTenant } from "../tenants/request-tenant.js";
import type { TenantDirectory } from "../tenants/tenant-directory.js";
import { buildUsageReport, usageDays, utcDay } from "../usage/usage-report.js";
import type { UsageStore } from "../usage/usage-store.js";

type UsageQuery = NonNullable<operations["getUsage"]["parameters"]["query"]>;

export function usageHandlers(usage: UsageStore, tenants: () => TenantDirectory) {
  return {
    async getUsage(ctx: AppContext, api: ApiContext): Promise<void> {
      const query = (api.request.query ?? {}) as UsageQuery;
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
