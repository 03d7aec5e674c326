import type { CatalogEntry } from "../catalog/catalog-entry.js";
import type { EligibilityFilter } from "./eligibility.js";
import type { ProviderStatus } from "./provider-status.js";
import type { ModelFamily, RouteRequest } from "./route-request.js";

/** A cap equal to a list price must keep the model: 0.4 / 1e6 is 4.0000000000000003e-7 in binary floating point. */
const PRICE_TOLERANCE = 1e-9;

/**
 * The price compared with max_cost_per_token: the dearer of the model's input and output price per token. The
 * cap is "the highest acceptable price per token (input or output)"; output usually costs 4–5× input, so a
 * model whose output price is over the cap would break it on almost every answer.
 */
export function pricePerToken(entry: CatalogEntry): number {
  return Math.max(entry.input_cost_per_million, entry.output_cost_per_million) / 1_000_000;
}

/** Prices per token are tiny: print them as 0.00000015, not 1.5e-7. */
export function formatUsd(value: number): string {
  if (value !== 0 && Math.abs(value) < 1e-12) return String(value);
  return value.toFixed(12).replace(/\.?0+$/, "");
}

export interface ConstraintOptions {
  /** The request names its model: constraints check that one model, and the family only when the request sets it. */
  namedModel: boolean;
  /** The family when the request sets none (routing.default_model_family). */
  defaultModelFamily: ModelFamily;
  providerStatus(provider: string): ProviderStatus;
}

/**
 * The constraints a model must meet, in the order a refusal reports them: the request's own (family, provider,
 * what its operation needs, capabilities, price, room for the requested max tokens and the prompt), then the
 * gateway's (configured providers). Open breakers are not among them: a model behind one is a candidate that is
 * unavailable for now, which the caller reports differently (503).
 */
export function costConstraints(request: RouteRequest, options: ConstraintOptions): EligibilityFilter[] {
  const filters: EligibilityFilter[] = [];
  const broadReport = options.namedModel ? "removed" : "kept";

  const defaultFamily = options.namedModel || !request.defaultFamily ? undefined : options.defaultModelFamily;
  const family = request.family ?? defaultFamily;
  if (family !== undefined) {
    const label = request.family === undefined ? `model_family '${family}' (the default)` : `model_family '${family}'`;
    filters.push({
      label,
      param: "model_family",
      report: broadReport,
      keeps: (entry) => entry.model_family === family,
      detail: (entry) => entry.model_family,
    });
  }

  const provider = request.provider;
  if (provider !== undefined) {
    filters.push({
      label: `provider '${provider}'`,
      param: "provider",
      report: broadReport,
      keeps: (entry) => entry.provider === provider,
      detail: (entry) => entry.provider,
    });
  }

  // Only a named model can lack it: the pool cost routing picks from holds the operation's models only.
  filters.push({
    label: `capability '${request.serves}' (this operation's)`,
    param: "model",
    report: "removed",
    keeps: (entry) => entry.capabilities.includes(request.serves),
  });
  for (const { capability, param, impliedBy } of request.capabilities) {
    const label =
      impliedBy === undefined ? `capability '${capability}'` : `capability '${capability}' (implied by ${impliedBy})`;
    filters.push({ label, param, report: "removed", keeps: (entry) => entry.capabilities.includes(capability) });
  }

  const cap = request.maxCostPerToken;
  if (cap !== undefined) {
    filters.push({
      label: `max_cost_per_token ${formatUsd(cap)}`,
      param: "max_cost_per_token",
      report: "removed",
      keeps: (entry) => pricePerToken(entry) <= cap * (1 + PRICE_TOLERANCE),
      detail: (entry) => `${formatUsd(pricePerToken(entry))}/token`,
    });
  }

  const completion = request.completion;
  const maxTokens = typeof completion === "object" ? completion.tokens : 0;
  if (typeof completion === "object") {
    filters.push({
      label: `max tokens ${completion.tokens}`,
      param: completion.param,
      report: "removed",
      keeps: (entry) => entry.max_tokens >= completion.tokens,
      detail: (entry) => `at most ${entry.max_tokens}`,
    });
  }
  const { contextTokens } = request;
  filters.push({
    label: `a prompt of about ${contextTokens} tokens`,
    param: request.promptParam,
    report: "removed",
    keeps: (entry) => entry.context_window >= contextTokens + maxTokens,
    detail: (entry) => `context window ${entry.context_window}`,
  });

  filters.push({
    label: "provider not configured",
    param: null,
    report: "by_provider",
    keeps: (entry) => options.providerStatus(entry.provider).state !== "not_configured",
  });
  return filters;
}
