import type { components } from "../../generated/openapi.js";
import type { CatalogEntry } from "./catalog-entry.js";

export type ModelObject = components["schemas"]["Model"];

/** Dated snapshots (`claude-sonnet-4-5-20250929`, `gpt-4o-2024-08-06`) price and behave like their base model. */
const SNAPSHOT_SUFFIX = /-(\d{8}|\d{4}-\d{2}-\d{2})$/;

export class ModelCatalog {
  private readonly byId: Map<string, CatalogEntry>;

  constructor(entries: readonly CatalogEntry[]) {
    this.byId = new Map(entries.map((entry) => [entry.id, entry]));
  }

  /** The entry for a model id, or for the base model of a dated snapshot. */
  find(modelId: string): CatalogEntry | undefined {
    return this.byId.get(modelId) ?? this.byId.get(modelId.replace(SNAPSHOT_SUFFIX, ""));
  }

  entries(): IterableIterator<CatalogEntry> {
    return this.byId.values();
  }
}

export function toModelObject(entry: CatalogEntry): ModelObject {
  return {
    id: entry.id,
    object: "model",
    created: entry.created,
    owned_by: entry.owned_by,
    provider: entry.provider,
    model_family: entry.model_family,
    capabilities: entry.capabilities,
    cost_per_1k_tokens: entry.unpriced
      ? null
      : { input: entry.input_cost_per_million / 1000, output: entry.output_cost_per_million / 1000 },
    context_window: entry.context_window,
    max_tokens: entry.max_tokens,
  };
}
