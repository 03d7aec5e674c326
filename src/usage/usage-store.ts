import { formatModelRef } from "../catalog/model-ref.js";
import type { components } from "../../generated/openapi.js";

/** The usage of one answer, as counted into a tenant's totals. */
export interface UsageEntry {
  tenant: string;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /** UTC day, YYYY-MM-DD. */
  day: string;
}

/** The spec's UsageTotals as counted: `total_tokens` is derived when a report is built. */
export type UsageTotals = Omit<components["schemas"]["UsageTotals"], "total_tokens">;

/** A tenant's totals for one day, by `provider/model`. */
export type DayUsage = Map<string, UsageTotals>;

/**
 * Per-tenant usage counters, by day and model. In memory for one process, or in Redis so that replicas add up.
 */
export interface UsageStore {
  add(entry: UsageEntry): Promise<void>;
  /** The days from `start` to `end` (YYYY-MM-DD, inclusive) that have usage. */
  days(tenant: string, days: readonly string[]): Promise<Map<string, DayUsage>>;
  /** What the tenant spent in a calendar month (YYYY-MM). */
  monthCost(tenant: string, month: string): Promise<number>;
}

export function emptyTotals(): UsageTotals {
  return { requests: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 };
}

export function addTo(
  totals: UsageTotals,
  entry: Pick<UsageEntry, "promptTokens" | "completionTokens" | "costUsd">,
  requests = 1,
): void {
  totals.requests += requests;
  totals.prompt_tokens += entry.promptTokens;
  totals.completion_tokens += entry.completionTokens;
  totals.cost_usd += entry.costUsd;
}

export class MemoryUsageStore implements UsageStore {
  private readonly byTenantDay = new Map<string, DayUsage>();
  private readonly monthly = new Map<string, number>();

  async add(entry: UsageEntry): Promise<void> {
    const key = `${entry.tenant}|${entry.day}`;
    const day = this.byTenantDay.get(key) ?? new Map<string, UsageTotals>();
    this.byTenantDay.set(key, day);
    const model = formatModelRef(entry.provider, entry.model);
    const totals = day.get(model) ?? emptyTotals();
    day.set(model, totals);
    addTo(totals, entry);
    const month = `${entry.tenant}|${entry.day.slice(0, 7)}`;
    this.monthly.set(month, (this.monthly.get(month) ?? 0) + entry.costUsd);
  }

  async days(tenant: string, days: readonly string[]): Promise<Map<string, DayUsage>> {
    const found = new Map<string, DayUsage>();
    for (const day of days) {
      const usage = this.byTenantDay.get(`${tenant}|${day}`);
      if (usage) found.set(day, usage);
    }
    return found;
  }

  async monthCost(tenant: string, month: string): Promise<number> {
    return this.monthly.get(`${tenant}|${month}`) ?? 0;
  }
}
