import type { ModelCatalog } from "../catalog/model-catalog.js";
import { formatModelRef } from "../catalog/model-ref.js";
import { type GatewayError, invalidRequest } from "../errors/gateway-error.js";

/** How far a prefix may be from a provider's name and still be read as a mistyped one ("opneai", "OpenAI"). */
const TYPO_DISTANCE = 2;

/**
 * The 400 for a model reference whose prefix looks like a provider that does not exist: `opneai/gpt-4o` would
 * otherwise be sent upstream as a model name. Model names may hold slashes themselves (`meta-llama/llama-3.1-8b`),
 * so a prefix counts as a provider only when the rest is a catalog model or the prefix is a near miss of a
 * provider's name; a reference the catalog holds whole is never refused.
 */
export function unknownProviderPrefix(
  ref: string,
  catalog: ModelCatalog,
  providerNames: readonly string[],
): GatewayError | undefined {
  const slash = ref.indexOf("/");
  if (slash <= 0) return undefined;
  const prefix = ref.slice(0, slash);
  const model = ref.slice(slash + 1);
  if (providerNames.includes(prefix) || catalog.find(ref) !== undefined) return undefined;
  const nearest = nearestName(prefix, providerNames);
  if (nearest === undefined && catalog.find(model) === undefined) return undefined;
  const suggestion = nearest === undefined ? "" : ` (did you mean '${formatModelRef(nearest, model)}'?)`;
  return invalidRequest(
    `The model '${ref}' starts with '${prefix}/', which names no provider${suggestion}; ` +
      `this gateway knows: ${providerNames.join(", ")}.`,
    "model",
  );
}

function nearestName(prefix: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(prefix.toLowerCase(), name);
    if (distance <= TYPO_DISTANCE && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance, with a transposition counted as one edit ("opneai" is one from "openai"). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] as number[];
      const substitution = at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(a.length, b.length);
}
