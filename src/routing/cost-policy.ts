import type { CatalogEntry } from "../catalog/catalog-entry.js";
import { parseModelRef } from "../catalog/model-ref.js";
import { costConstraints } from "./cost-constraints.js";
import { applyFilters } from "./eligibility.js";
import type { ProviderStatus } from "./provider-status.js";
import { modelNotInCatalog, modelWithoutPrice, noEligibleModel } from "./routing-refusals.js";
import { completionTokensOf, type ModelFamily, type RouteRequest } from "./route-request.js";

/** What the policy reads from the catalog; a ModelCatalog is one. */
export interface CatalogView {
  /** The entry for an id or a dated snapshot of it (ModelCatalog.find). */
  find(modelId: string): CatalogEntry | undefined;
  entries(): Iterable<CatalogEntry>;
}

export interface CostPolicyContext {
  /** Asked once or twice per catalog model: answer from a snapshot taken once per request. */
  providerStatus(provider: string): ProviderStatus;
  /** The completion tokens a request without max tokens is assumed to use (capped by each model's max_tokens). */
  defaultMaxTokens: number;
  /** The family of a request that names neither model nor model_family (routing.default_model_family). */
  defaultModelFamily: ModelFamily;
}

export interface RankedCandidate {
  entry: CatalogEntry;
  estimatedCostUsd: number;
  /** The completion tokens the estimate assumed (the requested max tokens, else the default), for all choices. */
  reservedCompletionTokens: number;
}

export interface CostSelection {
  /** Cheapest first (ties by id), those behind an open breaker last. */
  candidates: RankedCandidate[];
  estimatedPromptTokens: number;
}

/**
 * The cost policy: the priced catalog models of the request's operation (chat or embeddings models) that meet its hints
 * (model_family, else the context's default; capabilities, including those implied by stream, tools and images;
 * max_cost_per_token; provider) and whose provider is configured, cheapest first for this request; those whose
 * provider is behind an open breaker come last (failover skips them, and probes one when nothing else is left). A
 * request that names its model gets that model only, checked against the hints.
 *
 * Throws 400 no_eligible_model when the constraints leave nothing.
 */
export function selectByCost(request: RouteRequest, catalog: CatalogView, context: CostPolicyContext): CostSelection {
  const pool =
    request.model === undefined
      ? [...catalog.entries()].filter((entry) => entry.capabilities.includes(request.serves) && !entry.unpriced)
      : [namedModel(request.model, catalog)];
  const constraints = costConstraints(request, {
    namedModel: request.model !== undefined,
    defaultModelFamily: context.defaultModelFamily,
    providerStatus: context.providerStatus,
  });
  const { kept, outcomes } = applyFilters(pool, constraints);
  if (kept.length === 0) throw noEligibleModel(outcomes, request.model);

  const estimatedPromptTokens = request.promptTokens;
  const ranked = kept
    .map((entry) => rank(entry, estimatedPromptTokens, request, context.defaultMaxTokens))
    .sort(cheapestFirst);
  const open = (c: RankedCandidate) => context.providerStatus(c.entry.provider).state === "circuit_open";
  return { candidates: [...ranked.filter((c) => !open(c)), ...ranked.filter(open)], estimatedPromptTokens };
}

/** `model`, a dated snapshot of it, or `provider/model` when the catalog has that model on that provider. */
function namedModel(model: string, catalog: CatalogView): CatalogEntry {
  const entry = catalog.find(model) ?? findQualified(model, catalog);
  if (entry === undefined) throw modelNotInCatalog(model);
  if (entry.unpriced) throw modelWithoutPrice(model, entry.provider);
  return entry;
}

function findQualified(model: string, catalog: CatalogView): CatalogEntry | undefined {
  // Any prefix may name the provider: the entry found must run on it.
  const ref = parseModelRef(model, () => true);
  if (ref.provider === undefined) return undefined;
  const entry = catalog.find(ref.model);
  return entry?.provider === ref.provider ? entry : undefined;
}

function rank(
  entry: CatalogEntry,
  promptTokens: number,
  request: RouteRequest,
  defaultMaxTokens: number,
): RankedCandidate {
  const perChoice = completionTokensOf(request, Math.min(defaultMaxTokens, entry.max_tokens));
  const reservedCompletionTokens = perChoice * request.choices;
  const estimatedCostUsd =
    (promptTokens * entry.input_cost_per_million + reservedCompletionTokens * entry.output_cost_per_million) /
    1_000_000;
  return { entry, estimatedCostUsd, reservedCompletionTokens };
}

function cheapestFirst(a: RankedCandidate, b: RankedCandidate): number {
  if (a.estimatedCostUsd !== b.estimatedCostUsd) return a.estimatedCostUsd - b.estimatedCostUsd;
  return a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0;
}
