import type { ModelCatalog } from "../catalog/model-catalog.js";
import { providerSchema } from "../config/schema.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";

export type RoutingPolicy = "default" | "cost";

/**
 * Everything the router reads from the configuration. A config reload builds a new table and swaps it in whole,
 * so a request sees one consistent version from start to end.
 */
export interface RoutingTable {
  catalog: ModelCatalog;
  providers: ProviderRegistry;
  defaultProvider: string;
  policy: RoutingPolicy;
  defaultModelFamily: "general" | "coding" | "reasoning" | "vision";
  /** Client-facing name → `provider/model` or catalog id. */
  aliases: ReadonlyMap<string, string>;
  /** Model, `provider/model` or alias → the ordered models to try when it fails. */
  fallbacks: ReadonlyMap<string, readonly string[]>;
  /** Completion tokens assumed when a request gives no max tokens (for cost estimates). */
  defaultMaxTokens: number;
}

/**
 * The deadlines of one attempt on a provider. A provider that a reload removed while a request was on its way to
 * it gets the schema's defaults for that request.
 */
export function attemptTimeoutsOf(table: RoutingTable, provider: string): { firstByteMs: number; totalMs: number } {
  const settings = table.providers.settings(provider) ?? providerDefaults;
  return { firstByteMs: settings.firstTokenTimeoutMs, totalMs: settings.timeoutMs };
}

const defaults = providerSchema.parse({});
const providerDefaults = { firstTokenTimeoutMs: defaults.first_token_timeout_ms, timeoutMs: defaults.timeout_ms };
