import type { components } from "../../generated/openapi.js";

type Schemas = components["schemas"];

/** One model the gateway knows: where it runs, what it can do and what it costs. */
export interface CatalogEntry {
  id: string;
  provider: string;
  owned_by: string;
  model_family: Schemas["ModelFamily"];
  capabilities: Schemas["Capability"][];
  context_window: number;
  /** The most output tokens one answer may have. */
  max_tokens: number;
  /** USD per million input tokens. */
  input_cost_per_million: number;
  /** USD per million output tokens. */
  output_cost_per_million: number;
  /** Unix time the model was published. */
  created: number;
  /**
   * Listed by its host with no price configured: its costs are shown as unknown, and count as 0 (the cost policy
   * does not choose it).
   */
  unpriced?: true;
}
