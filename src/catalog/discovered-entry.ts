import type { CatalogEntry } from "./catalog-entry.js";
import type { UpstreamModel } from "./upstream-model.js";

/** What a host's model list cannot say is assumed as for a configured entry without it (the schema's defaults). */
const ASSUMED_CONTEXT_WINDOW = 8192;
const ASSUMED_MAX_TOKENS = 4096;

/**
 * The catalog entry of a model a host lists but the config file does not describe. Its price is unknown
 * (`unpriced`): the cost policy never picks it and budgets count it at $0 (see README, Models). A model the
 * built-in catalog knows by the same id (a proxy serving `gpt-4o`) keeps what that entry says it can do; any other
 * is a chat model, or an embedding model when its name says `embed` (`nomic-embed-text`, `bge-m3-embed`).
 */
export function discoveredEntry(provider: string, model: UpstreamModel, known: CatalogEntry | undefined): CatalogEntry {
  const embeddings = known ? known.capabilities.includes("embeddings") : /embed/i.test(model.id);
  const contextWindow = model.context_window ?? known?.context_window ?? ASSUMED_CONTEXT_WINDOW;
  return {
    id: model.id,
    provider,
    owned_by: model.owned_by ?? provider,
    model_family: known?.model_family ?? "general",
    capabilities: known?.capabilities ?? (embeddings ? ["embeddings"] : ["chat", "streaming"]),
    context_window: contextWindow,
    max_tokens: embeddings ? 0 : (known?.max_tokens ?? Math.min(ASSUMED_MAX_TOKENS, contextWindow)),
    input_cost_per_million: 0,
    output_cost_per_million: 0,
    unpriced: true,
    created: model.created ?? 0,
  };
}
