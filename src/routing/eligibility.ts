import type { CatalogEntry } from "../catalog/catalog-entry.js";

/**
 * How a refusal reports what a constraint removed:
 * - "kept": "model_family 'coding' kept 3 of 15 models", for constraints that remove most of the catalog;
 * - "removed": "capability 'vision' removed a, b";
 * - "by_provider": "provider not configured: anthropic (a, b)".
 */
export type RemovalReport = "kept" | "removed" | "by_provider";

export interface EligibilityFilter {
  /** How the constraint reads in a refusal: "capability 'vision'", "max_cost_per_token 0.000001". */
  label: string;
  /** The request field behind it, reported as the error's `param`; null for the gateway's own state. */
  param: string | null;
  report: RemovalReport;
  keeps(entry: CatalogEntry): boolean;
  /** The failing value shown next to a removed model ("0.000008/token"), when the label does not say it. */
  detail?(entry: CatalogEntry): string;
}

export interface FilterOutcome {
  filter: EligibilityFilter;
  /** How many models the filter looked at (those every earlier filter kept). */
  considered: number;
  removed: CatalogEntry[];
}

export interface FilterResult {
  kept: CatalogEntry[];
  /** One per filter applied, in order; the last one is the filter that removed the last model when none is kept. */
  outcomes: FilterOutcome[];
}

/** Applies the filters in order, noting what each removed; stops once no model is left. */
export function applyFilters(entries: readonly CatalogEntry[], filters: readonly EligibilityFilter[]): FilterResult {
  let kept = [...entries];
  const outcomes: FilterOutcome[] = [];
  for (const filter of filters) {
    if (kept.length === 0) break;
    const stillKept: CatalogEntry[] = [];
    const removed: CatalogEntry[] = [];
    for (const entry of kept) (filter.keeps(entry) ? stillKept : removed).push(entry);
    outcomes.push({ filter, considered: kept.length, removed });
    kept = stillKept;
  }
  return { kept, outcomes };
}
