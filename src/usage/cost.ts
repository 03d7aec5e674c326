import type { CatalogEntry } from "../catalog/catalog-entry.js";

/** USD for an answer at the catalog's list prices; models the catalog does not price cost nothing. */
export function costUsd(entry: CatalogEntry | undefined, promptTokens: number, completionTokens: number): number {
  if (!entry) return 0;
  return (promptTokens * entry.input_cost_per_million + completionTokens * entry.output_cost_per_million) / 1_000_000;
}
