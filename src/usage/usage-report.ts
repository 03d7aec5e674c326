import type { components, operations } from "../../generated/openapi.js";
import { parseModelRef } from "../catalog/model-ref.js";
import { invalidRequest } from "../errors/gateway-error.js";
import { addTo, emptyTotals, type DayUsage, type UsageTotals } from "./usage-store.js";

type UsageReport = components["schemas"]["UsageReport"];
type UsageQuery = NonNullable<operations["getUsage"]["parameters"]["query"]>;

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;

/** The last day utcDay named, kept because every request asks for the same one (it was a measurable cost). */
let lastDay = { start: 0, end: 0, day: "" };

export function utcDay(time: number): string {
  if (time >= lastDay.start && time < lastDay.end) return lastDay.day;
  const start = time - (((time % DAY_MS) + DAY_MS) % DAY_MS);
  lastDay = { start, end: start + DAY_MS, day: new Date(time).toISOString().slice(0, 10) };
  return lastDay.day;
}

function parseDay(value: string, param: string): number {
  const time = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(time))
    throw invalidRequest(`${param}: expected a date as YYYY-MM-DD`, param);
  return time;
}

/** The days a usage query covers: `start`..`end` (inclusive), else a period ending today (default: this month). */
export function usageDays(query: Pick<UsageQuery, "start" | "end" | "period">, now: number): string[] {
  if (query.period !== undefined && (query.start !== undefined || query.end !== undefined)) {
    throw invalidRequest("give either period, or start and end, not both", "period");
  }
  const today = parseDay(utcDay(now), "end");
  const end = query.end === undefined ? today : parseDay(query.end, "end");
  let start: number;
  if (query.start !== undefined) start = parseDay(query.start, "start");
  else if (query.period === "today") start = today;
  else if (query.period === "7d") start = today - 6 * DAY_MS;
  else if (query.period === "30d") start = today - 29 * DAY_MS;
  else start = Date.parse(`${utcDay(now).slice(0, 7)}-01T00:00:00Z`);
  if (start > end) throw invalidRequest("start is after end", "start");
  if ((end - start) / DAY_MS + 1 > MAX_DAYS)
    throw invalidRequest(`a usage query covers at most ${MAX_DAYS} days`, "start");
  const days: string[] = [];
  for (let t = start; t <= end; t += DAY_MS) days.push(utcDay(t));
  return days;
}

/** The spec's UsageReport from the stored counters: totals, by model, by day. */
export function buildUsageReport(
  tenant: string,
  days: readonly string[],
  usage: Map<string, DayUsage>,
  budget?: { monthlyUsd: number; spentThisMonthUsd: number },
): UsageReport {
  const totals = emptyTotals();
  const byModel = new Map<string, UsageTotals>();
  const byDay: UsageReport["by_day"] = [];
  for (const day of days) {
    const dayUsage = usage.get(day);
    if (!dayUsage) continue;
    const dayTotals = emptyTotals();
    for (const [model, t] of dayUsage) {
      const modelTotals = byModel.get(model) ?? emptyTotals();
      byModel.set(model, modelTotals);
      for (const target of [totals, dayTotals, modelTotals])
        addTo(
          target,
          { promptTokens: t.prompt_tokens, completionTokens: t.completion_tokens, costUsd: t.cost_usd },
          t.requests,
        );
    }
    byDay.push({ date: day, ...withTotal(dayTotals) });
  }
  return {
    object: "usage",
    tenant,
    start: days[0] as string,
    end: days[days.length - 1] as string,
    totals: withTotal(totals),
    by_model: [...byModel].map(([key, t]) => {
      // Keys are formatModelRef(provider, model): what precedes the first slash is the provider.
      const { provider = "", model } = parseModelRef(key, () => true);
      return { provider, model, ...withTotal(t) };
    }),
    by_day: byDay,
    ...(budget
      ? {
          budget: {
            monthly_usd: budget.monthlyUsd,
            spent_this_month_usd: round(budget.spentThisMonthUsd),
            remaining_usd: round(Math.max(0, budget.monthlyUsd - budget.spentThisMonthUsd)),
          },
        }
      : {}),
  };
}

function withTotal(t: UsageTotals) {
  return { ...t, cost_usd: round(t.cost_usd), total_tokens: t.prompt_tokens + t.completion_tokens };
}

/** Costs are kept to a millionth of a cent: float sums otherwise print as 0.30000000000000004. */
function round(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}
