import type { Message, RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import type { components } from "../../generated/openapi.js";
import type { UpstreamModel } from "../catalog/upstream-model.js";
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

export type MessagesRequest = Schemas["MessagesRequest"];
export type CountTokensRequest = Schemas["CountTokensRequest"];
export type EmbeddingRequest = Schemas["EmbeddingRequest"];
export type EmbeddingList = Schemas["EmbeddingList"];

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

/**
 * What a provider yields for one Messages API request: the `Message` when not streamed, else Anthropic's stream
 * events in order (`ping`s and `error`s excepted: an error is thrown). A stream without `message_stop` was cut short.
 */
export type MessagesEvent = Message | RawMessageStreamEvent;

/** One upstream call of any operation. */
export interface UpstreamCall<Request> {
  /** The client's request; Runestone's own fields are still present and must not be sent upstream. */
  request: Request;
  /** The model id to send upstream (aliases and `provider/` prefixes already resolved). */
  model: string;
  stream: boolean;
  /** Aborted with the reason to throw: the client left (ClientAbortedError), or a deadline passed (GatewayError). */
  signal: AbortSignal;
}

export type ProviderCall = UpstreamCall<ChatRequest>;

/** The headers of an Anthropic client that Claude must see too. */
export interface AnthropicHeaders {
  /** `anthropic-version`: the API version the client speaks. */
  version?: string;
  /** `anthropic-beta`: the beta features it asks for. */
  beta?: string;
}

/** A Messages API request as the gateway carries it: the body, and the client's Anthropic headers. */
export interface AnthropicPayload<Body> {
  body: Body;
  headers: AnthropicHeaders;
}

export type MessagesPayload = AnthropicPayload<MessagesRequest>;
export type CountTokensPayload = AnthropicPayload<CountTokensRequest>;

/**
 * One upstream's chat. Failures are thrown as GatewayError (see upstream-error.ts), or as the signal's abort reason.
 */
export interface ChatProvider {
  readonly name: string;
  readonly kind: ProviderKind;
  chat(call: ProviderCall): AsyncIterable<ChatEvent>;
}

/** One upstream, every operation; failures are thrown as chat's are. */
export interface Provider extends ChatProvider {
  /** Anthropic's Messages API: Claude's own, other models through the chat translation. */
  messages(call: UpstreamCall<MessagesPayload>): AsyncIterable<MessagesEvent>;
  /** The embedding list (one event); a provider without embeddings throws operation_not_supported. */
  embeddings(call: UpstreamCall<EmbeddingRequest>): AsyncIterable<EmbeddingList>;
  /** The models the host serves (its GET /v1/models); absent when the gateway does not read them. */
  listModels?(options: { signal: AbortSignal; timeoutMs: number }): Promise<UpstreamModel[]>;
  /** The input tokens the provider itself counts; absent when it has no counting endpoint. */
  countTokens?(call: Omit<UpstreamCall<CountTokensPayload>, "stream">): Promise<number>;
}
