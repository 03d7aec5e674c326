import { GatewayError } from "../errors/gateway-error.js";
import type { Tenant } from "../tenants/tenant-directory.js";
import { utcDay } from "./usage-report.js";
import type { UsageStore } from "./usage-store.js";

/** Refuses a request (any operation) whose estimated cost would take its tenant past its monthly budget. */
export class BudgetGuard {
  constructor(private readonly usage: UsageStore) {}

  async check(tenant: Tenant, estimatedCostUsd: number, now = Date.now()): Promise<void> {
    const budget = tenant.monthlyBudgetUsd;
    if (budget === undefined) return;
    const spent = await this.usage.monthCost(tenant.id, utcDay(now).slice(0, 7));
    if (spent + estimatedCostUsd <= budget) return;
    const firstOfNextMonth = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() + 1, 1);
    throw new GatewayError(
      "budget_exceeded",
      `Tenant '${tenant.id}' has spent $${spent.toFixed(4)} of its $${budget} monthly budget; ` +
        `this request (about $${estimatedCostUsd.toFixed(4)}) would exceed it.`,
      { retryAfterMs: firstOfNextMonth - now },
    );
  }
}
