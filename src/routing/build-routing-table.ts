import { BUILTIN_MODELS } from "../catalog/builtin-models.js";
import type { CatalogEntry } from "../catalog/catalog-entry.js";
import { ModelCatalog } from "../catalog/model-catalog.js";
import { resolveProviderSettings } from "../config/provider-settings.js";
import type { Config } from "../config/schema.js";
import { ProviderRegistry } from "../providers/provider-registry.js";
import type { BreakerSettings } from "./breaker/breaker-settings.js";
import type { RetrySettings } from "./retry-settings.js";
import type { RoutingTable } from "./routing-table.js";

/** The built-in models, with the config file's entries added or overriding them by id. */
export function buildCatalog(config: Config): ModelCatalog {
  const configured: CatalogEntry[] = config.models.map((m) => ({ ...m, owned_by: m.owned_by ?? m.provider }));
  const overridden = new Set(configured.map((m) => m.id));
  return new ModelCatalog([...BUILTIN_MODELS.filter((m) => !overridden.has(m.id)), ...configured]);
}

export function buildRoutingTable(config: Config): RoutingTable {
  const providers = new ProviderRegistry(resolveProviderSettings(config));
  return {
    catalog: buildCatalog(config),
    providers,
    defaultProvider: config.default_provider,
    policy: config.routing.policy,
    defaultModelFamily: config.routing.default_model_family,
    aliases: new Map(Object.entries(config.aliases)),
    fallbacks: new Map(Object.entries(config.fallbacks)),
    defaultMaxTokens: providers.allSettings().find((s) => s.kind === "anthropic")?.defaultMaxTokens ?? 4096,
  };
}

export function retrySettingsOf(config: Config): RetrySettings {
  const r = config.routing.retry;
  return {
    maxAttempts: r.max_attempts,
    baseDelayMs: r.base_delay_ms,
    maxDelayMs: r.max_delay_ms,
    budgetMs: r.budget_ms,
  };
}

export function breakerSettingsOf(config: Config): Partial<BreakerSettings> {
  const b = config.routing.breaker;
  return {
    consecutiveFailures: b.consecutive_failures,
    failureRatio: b.failure_ratio,
    minimumRequests: b.minimum_requests,
    windowMs: b.window_ms,
    cooldownMs: b.cooldown_ms,
    halfOpenProbes: b.half_open_probes,
    halfOpenSuccesses: b.half_open_successes,
  };
}
