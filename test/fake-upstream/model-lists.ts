export const DEFAULT_OPENAI_MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1"];
export const DEFAULT_ANTHROPIC_MODELS = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"];

// A fixed date keeps the lists stable between runs.
const CREATED_AT = new Date("2025-01-01T00:00:00Z");

/** GET /v1/models as OpenAI answers it. */
export function openaiModelList(modelIds: readonly string[]): object {
  return {
    object: "list",
    data: modelIds.map((id) => ({ id, object: "model", created: CREATED_AT.getTime() / 1000, owned_by: "system" })),
  };
}

/** GET /v1/models as Anthropic answers it (a cursor page). */
export function anthropicModelList(modelIds: readonly string[]): object {
  return {
    data: modelIds.map((id) => ({ type: "model", id, display_name: id, created_at: CREATED_AT.toISOString() })),
    has_more: false,
    first_id: modelIds[0] ?? null,
    last_id: modelIds.at(-1) ?? null,
  };
}
