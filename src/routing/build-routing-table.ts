import { BUILTIN_MODELS } from "../catalog/builtin-models.js";
import type { CatalogEntry } from "../catalog/catalog-entry.js";
import { discoveredEntry } from "../catalog/discovered-entry.js";
import { ModelCatalog } from "../catalog/model-catalog.js";
import type { UpstreamModel } from "../catalog/upstream-model.js";
import { resolveProviderSettings } from "../config/provider-settings.js";
import type { Config } from "../config/schema.js";
import { ProviderRegistry } from "../providers/provider-registry.js";
import type { RoutingTable } from "./routing-table.js";

/** The last model list read from a provider's host at its base URL, if any. */
export type DiscoveredModels = (provider: string, endpoint: string) => readonly UpstreamModel[] | undefined;

const BUILTIN_BY_ID = new Map(BUILTIN_MODELS.map((entry) => [entry.id, entry]));

/**
 * The catalog: the built-in models (OpenAI's only while the `openai` provider is OpenAI itself, not a host that
 * lists its own), then the models each discovering provider's host lists, then the config file's entries, each
 * later one replacing an earlier one of the same id; except that a host's list replaces no built-in model, and of
 * two hosts listing the same id the first provider (the built-in ones, then the config file's order) keeps it.
 */
export function buildCatalog(
  config: Config,
  providers: ProviderRegistry,
  discovered: DiscoveredModels = () => undefined,
): ModelCatalog {
  const configured: CatalogEntry[] = config.models.map((m) => ({ ...m, owned_by: m.owned_by ?? m.provider }));
  const overridden = new Set(configured.map((m) => m.id));
  const openaiIsOpenAI = providers.settings("openai")?.discoverModels !== true;
  const builtins = BUILTIN_MODELS.filter((m) => !overridden.has(m.id) && (m.provider !== "openai" || openaiIsOpenAI));
  const taken = new Set([...builtins.map((m) => m.id), ...overridden]);
  const fromHosts: CatalogEntry[] = [];
  for (const settings of providers.allSettings().filter((s) => s.discoverModels)) {
    for (const model of discovered(settings.name, settings.endpoint) ?? []) {
      if (taken.has(model.id)) continue;
      taken.add(model.id);
      fromHosts.push(discoveredEntry(settings.name, model, BUILTIN_BY_ID.get(model.id)));
    }
  }
  return new ModelCatalog([...builtins, ...fromHosts, ...configured]);
}

export function buildRoutingTable(config: Config): RoutingTable {
  const providers = new ProviderRegistry(resolveProviderSettings(config));
  return {
    catalog: buildCatalog(config, providers),
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
