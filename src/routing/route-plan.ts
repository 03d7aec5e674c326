import type { CatalogEntry } from "../catalog/catalog-entry.js";
import type { Provider } from "../providers/types.js";
import type { RoutingPolicy } from "./routing-table.js";

/** A model on a provider that may serve a request. */
export interface RouteCandidate {
  provider: Provider;
  /** The model id sent upstream. */
  model: string;
  /** The catalog entry, when the model is in the catalog (for prices and limits). */
  entry: CatalogEntry | undefined;
}

export interface RoutePlan {
  policy: RoutingPolicy;
  /** The first serves; the rest are its fallbacks, in order. */
  candidates: RouteCandidate[];
}
