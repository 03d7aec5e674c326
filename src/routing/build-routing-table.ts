import { BUILTIN_MODELS } from "../catalog/builtin-models.js";
import type { CatalogEntry } from "../catalog/catalog-entry.js";
import { ModelCatalog } from "../catalog/model-catalog.js";
import { resolveProviderSettings } from "../config/provider-settings.js";
import type { Config } from "../config/schema.js";
import { ProviderRegistry } from "../providers/provider-registry.js";
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
    defaultMaxTokens: defaultMaxTokensOf(providers),
  };
}

/**
 * The max_tokens an Anthropic provider sends when the client gives none: the first Anthropic provider's, else the
 * built-in `anthropic` entry's (configured or not, it always has one).
 */
function defaultMaxTokensOf(providers: ProviderRegistry): number {
  const anthropic = providers.allSettings().find((s) => s.kind === "anthropic") ?? providers.settings("anthropic");
  if (!anthropic) throw new Error("the built-in provider 'anthropic' is missing from the registry");
  return anthropic.defaultMaxTokens;
}
