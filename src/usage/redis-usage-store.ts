import type { Redis } from "ioredis";
import { formatModelRef } from "../catalog/model-ref.js";
import type { UsageKeys } from "../state/redis-keys.js";
import { stateBackendUnavailable } from "../state/redis-failure.js";
import { emptyTotals, type DayUsage, type UsageEntry, type UsageStore, type UsageTotals } from "./usage-store.js";

/** Usage counters are kept this long, then Redis drops them. */
const RETENTION_SECONDS = 400 * 24 * 3600;
const FIELDS = ["requests", "prompt_tokens", "completion_tokens", "cost_usd"] as const;

/**
 * One hash per tenant and day, fields `<provider/model>|<counter>`, incremented atomically, so every replica's
 * answers add up; plus a month's cost per tenant for budget checks in one GET.
 */
export class RedisUsageStore implements UsageStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: UsageKeys,
    /** host:port of the Redis, named in the 503 when a budget cannot be checked. */
    private readonly address = "the configured Redis",
  ) {}

  async add(entry: UsageEntry): Promise<void> {
    const dayKey = this.keys.day(entry.tenant, entry.day);
    const monthKey = this.keys.month(entry.tenant, entry.day.slice(0, 7));
    const model = formatModelRef(entry.provider, entry.model);
    await this.redis
      .multi()
      .hincrby(dayKey, `${model}|requests`, 1)
      .hincrby(dayKey, `${model}|prompt_tokens`, entry.promptTokens)
      .hincrby(dayKey, `${model}|completion_tokens`, entry.completionTokens)
      .hincrbyfloat(dayKey, `${model}|cost_usd`, entry.costUsd)
      .expire(dayKey, RETENTION_SECONDS)
      .incrbyfloat(monthKey, entry.costUsd)
      .expire(monthKey, RETENTION_SECONDS)
      .exec();
  }

  async days(tenant: string, days: readonly string[]): Promise<Map<string, DayUsage>> {
    const pipeline = this.redis.pipeline();
    for (const day of days) pipeline.hgetall(this.keys.day(tenant, day));
    const replies = (await pipeline.exec()) ?? [];
    const found = new Map<string, DayUsage>();
    replies.forEach(([err, hash], i) => {
      if (err) throw err;
      const fields = Object.entries(hash as Record<string, string>);
      if (fields.length === 0) return;
      const usage: DayUsage = new Map();
      for (const [field, value] of fields) {
        const bar = field.lastIndexOf("|");
        const model = field.slice(0, bar);
        const counter = field.slice(bar + 1) as (typeof FIELDS)[number];
        if (!FIELDS.includes(counter)) continue;
        const totals: UsageTotals = usage.get(model) ?? emptyTotals();
        totals[counter] = Number(value);
        usage.set(model, totals);
      }
      found.set(days[i] as string, usage);
    });
    return found;
  }

  async monthCost(tenant: string, month: string): Promise<number> {
    const cost = await this.redis.get(this.keys.month(tenant, month)).catch((err: unknown) => {
      throw stateBackendUnavailable(this.address, err);
    });
    return Number(cost ?? 0);
  }
}
