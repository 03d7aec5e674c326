import type { CatalogEntry } from "../catalog/catalog-entry.js";
import type { RoutingPolicy } from "./routing-table.js";

export type Capability = CatalogEntry["capabilities"][number];
export type ModelFamily = CatalogEntry["model_family"];

export interface CapabilityRequirement {
  capability: Capability;
  /** The request field that asks for it: `capabilities`, or the field that implies it. */
  param: string;
  /** Why an implied capability is needed, for error messages ("implied by stream: true"). */
  impliedBy?: string;
}

/** The completion tokens the client capped the answer at, and the field that says it. */
export interface CompletionCap {
  tokens: number;
  param: string;
}

/**
 * What routing, admission and budgets read of a request, whatever its operation (chat, messages, embeddings): each
 * operation describes its request this way, so that one router, one admission gate and one budget check serve all.
 */
export interface RouteRequest {
  /** The requested model (or alias, or `provider/model`); undefined lets cost routing pick. */
  model?: string;
  /** Runestone's `provider`: the provider forced. */
  provider?: string;
  /** Runestone's `routing_policy`: this request's policy instead of the gateway's. */
  policy?: RoutingPolicy;
  /** Runestone's `model_family`. */
  family?: ModelFamily;
  /**
   * Whether the gateway's default family applies to a request that names neither model nor family: chat models
   * come in families, embedding models do not.
   */
  defaultFamily: boolean;
  /** Runestone's `max_cost_per_token`. */
  maxCostPerToken?: number;
  /** What the operation needs of a model (`chat`, `embeddings`): cost routing picks among the models that have it. */
  serves: Capability;
  /** Further capabilities the model must have: named by the request, then implied by its shape. */
  capabilities: CapabilityRequirement[];
  /** The prompt's estimated tokens (the catalog prices them; admission reserves them). */
  promptTokens: number;
  /** What must fit in a model's context window besides the answer: the prompt, or for embeddings the longest input. */
  contextTokens: number;
  /** The request field the prompt is in, for refusals (`messages`, `input`). */
  promptParam: string;
  /**
   * The answer's tokens: capped by the client, left to the gateway's default (undefined), or none at all (0 for an
   * embedding, whose answer is a vector).
   */
  completion: CompletionCap | "none" | undefined;
  /** Answers asked for at once (chat's `n`). */
  choices: number;
}

/** The completion tokens the request is assumed to use, per answer: its cap, else `defaultTokens`. */
export function completionTokensOf(route: RouteRequest, defaultTokens: number): number {
  if (route.completion === "none") return 0;
  return route.completion?.tokens ?? defaultTokens;
}

/** The tokens a tenant's slot reserves for the request: the prompt estimate and the completion tokens assumed. */
export function reservedTokensOf(route: RouteRequest, defaultCompletionTokens: number): number {
  return route.promptTokens + completionTokensOf(route, defaultCompletionTokens);
}
