import type { CatalogEntry } from "../catalog/catalog-entry.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { EligibilityFilter, FilterOutcome } from "./eligibility.js";

/** A refusal names at most this many models per constraint, then "and N more". */
const MAX_MODELS_LISTED = 8;

/** 400 no_eligible_model: which constraint removed which models; `param` is the one that removed the last. */
export function noEligibleModel(outcomes: readonly FilterOutcome[], namedModel: string | undefined): GatewayError {
  const reasons = outcomes.filter((outcome) => outcome.removed.length > 0).map(describeOutcome);
  const subject =
    namedModel === undefined
      ? "No model satisfies this request"
      : `The model '${namedModel}' does not satisfy this request`;
  return new GatewayError(
    "no_eligible_model",
    `${subject}: ${reasons.length > 0 ? reasons.join("; ") : "the catalog holds no models"}.`,
    { param: outcomes.at(-1)?.filter.param ?? null },
  );
}

export function modelNotInCatalog(model: string): GatewayError {
  return new GatewayError(
    "no_eligible_model",
    `The model '${model}' is not in the catalog, so cost routing cannot check its price or capabilities; ` +
      "name a catalog model (GET /v1/models) or leave model out.",
    { param: "model" },
  );
}

export function modelWithoutPrice(model: string, provider: string): GatewayError {
  return new GatewayError(
    "no_eligible_model",
    `The model '${model}' is listed by provider '${provider}' with no price, so cost routing cannot compare it; ` +
      "give it a catalog entry with prices (models in the config file) or use routing_policy default.",
    { param: "model" },
  );
}

function describeOutcome({ filter, considered, removed }: FilterOutcome): string {
  switch (filter.report) {
    case "kept": {
      const kept = considered - removed.length;
      return `${filter.label} kept ${kept} of ${considered} ${considered === 1 ? "model" : "models"}`;
    }
    case "removed":
      return `${filter.label} removed ${listed(removed.map((entry) => withDetail(entry, filter)))}`;
    case "by_provider":
      return `${filter.label}: ${groupByProvider(removed)}`;
  }
}

/** "anthropic (claude-a, claude-b), openai (gpt-x)" */
function groupByProvider(entries: readonly CatalogEntry[]): string {
  const ids = new Map<string, string[]>();
  for (const entry of entries) ids.set(entry.provider, [...(ids.get(entry.provider) ?? []), entry.id]);
  return [...ids].map(([provider, models]) => `${provider} (${listed(models)})`).join(", ");
}

function listed(items: readonly string[]): string {
  if (items.length <= MAX_MODELS_LISTED) return items.join(", ");
  return `${items.slice(0, MAX_MODELS_LISTED).join(", ")} and ${items.length - MAX_MODELS_LISTED} more`;
}

function withDetail(entry: CatalogEntry, filter: EligibilityFilter): string {
  return filter.detail ? `${entry.id} (${filter.detail(entry)})` : entry.id;
}
