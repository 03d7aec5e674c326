/** A model as an OpenAI-compatible host lists it in its GET /v1/models. */
export interface UpstreamModel {
  id: string;
  /** Unix time, when the host says. */
  created?: number;
  owned_by?: string;
  /** The context window, when the host says (vLLM's `max_model_len`, `context_length` of others). */
  context_window?: number;
}
