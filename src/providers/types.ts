import type { components } from "../../generated/openapi.js";
import type { ProviderKind } from "../config/provider-settings.js";

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

export type { ProviderKind };

/**
 * What a provider yields for one chat request, in order: the answer (one `completion` when not streamed, else
 * `delta`s), the upstream's token counts when it reports them (`usage`), then `end` once the answer is complete.
 * An answer that stops without `end` was cut short.
 */
export type ChatEvent =
  | { type: "completion"; completion: Completion }
  /** One chunk of a streamed answer; usage-only chunks become `usage` events instead. */
  | { type: "delta"; chunk: CompletionChunk }
  | { type: "usage"; usage: Usage }
  | { type: "end"; finishReason: FinishReason };

export interface ProviderCall {
  /** The client's request; Runestone's own fields are still present and must not be sent upstream. */
  request: ChatRequest;
  /** The model id to send upstream (aliases and `provider/` prefixes already resolved). */
  model: string;
  stream: boolean;
  /** Aborted with the reason to throw: the client left (ClientAbortedError), or a deadline passed (GatewayError). */
  signal: AbortSignal;
}

/** One upstream. Failures are thrown as GatewayError (see upstream-error.ts), or as the signal's abort reason. */
export interface ChatProvider {
  readonly name: string;
  readonly kind: ProviderKind;
  chat(call: ProviderCall): AsyncIterable<ChatEvent>;
}
