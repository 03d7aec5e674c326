import type { components } from "../../generated/openapi.js";

type Schemas = components["schemas"];
type RunestoneMetadata = Schemas["RunestoneMetadata"];

export type ChatRequest = Schemas["ChatCompletionRequest"];
export type ChatMessage = Schemas["ChatMessage"];
/** A `chat.completion` as a provider returns it, before the gateway adds its metadata. */
export type Completion = Omit<Schemas["ChatCompletion"], keyof RunestoneMetadata>;
/** A `chat.completion.chunk` as a provider yields it, before the gateway adds its metadata. */
export type CompletionChunk = Omit<Schemas["ChatCompletionChunk"], keyof RunestoneMetadata>;
export type Usage = Schemas["Usage"];
export type FinishReason = Schemas["FinishReason"];

export type ProviderKind = "openai" | "anthropic";

export interface ProviderCall {
  /** The client's request; Runestone's own fields are still present and must not be sent upstream. */
  request: ChatRequest;
  /** The model id to send upstream (aliases and `provider/` prefixes already resolved). */
  model: string;
  signal: AbortSignal;
}

/**
 * One upstream. `stream` yields OpenAI-shaped chunks and always ends with a usage chunk (`choices: []`)
 * when the upstream reports usage; the gateway drops it when the client did not ask for usage.
 * Failures are thrown as GatewayError (see upstream-error.ts), before or during iteration.
 */
export interface ChatProvider {
  readonly name: string;
  readonly kind: ProviderKind;
  complete(call: ProviderCall): Promise<Completion>;
  stream(call: ProviderCall): AsyncIterable<CompletionChunk>;
}
