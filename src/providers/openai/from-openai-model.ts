import type { Model } from "openai/resources/models";
import type { UpstreamModel } from "../../catalog/upstream-model.js";

/** Where hosts put a model's context window: vLLM's `max_model_len`, `context_length` (LM Studio, OpenRouter). */
const CONTEXT_WINDOW_FIELDS = ["context_window", "max_model_len", "context_length"] as const;

/** One entry of a host's GET /v1/models, of which only `id` is sure (Ollama leaves out nothing, others do). */
export function fromOpenAIModel(model: Model): UpstreamModel {
  const fields = model as unknown as Record<string, unknown>;
  const contextWindow = CONTEXT_WINDOW_FIELDS.map((key) => fields[key]).find(isPositiveInteger);
  return {
    id: model.id,
    ...(isPositiveInteger(model.created) ? { created: model.created } : {}),
    ...(typeof model.owned_by === "string" && model.owned_by !== "" ? { owned_by: model.owned_by } : {}),
    ...(contextWindow !== undefined ? { context_window: contextWindow } : {}),
  };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/** A name the gateway can serve: printable ASCII, as the config's model names (it is echoed in a header). */
export function isModelName(id: unknown): id is string {
  return typeof id === "string" && /^[\x20-\x7E]{1,256}$/.test(id);
}
