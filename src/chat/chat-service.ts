import type { components } from "../../generated/openapi.js";
import type { ModelCatalog } from "../catalog/model-catalog.js";
import { GatewayError } from "../errors.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { ChatRequest, CompletionChunk } from "../providers/types.js";
import { resolveTarget } from "../routing/resolve-target.js";

export type ChatCompletion = components["schemas"]["ChatCompletion"];
export type ChatCompletionChunk = components["schemas"]["ChatCompletionChunk"];

export interface ChatCallContext {
  requestId: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export interface CompletedChat {
  completion: ChatCompletion;
  provider: string;
}

export interface OpenedStream {
  provider: string;
  /** The first chunk, already received: a stream is only answered 200 once the upstream has produced something. */
  first: ChatCompletionChunk | undefined;
  rest: AsyncIterator<ChatCompletionChunk>;
}

export interface ChatServiceOptions {
  catalog: ModelCatalog;
  providers: ProviderRegistry;
  defaultProvider: string;
  routingPolicy: string;
}

/** Chat requests, plain and streamed: picks the target, calls the provider, adds Runestone's metadata. */
export class ChatService {
  constructor(private readonly options: ChatServiceOptions) {}

  async complete(request: ChatRequest, context: ChatCallContext): Promise<CompletedChat> {
    const target = resolveTarget(request, this.options.catalog, this.options.providers, this.options.defaultProvider);
    const completion = await target.provider.complete({ request, model: target.model, signal: context.signal });
    return { provider: target.provider.name, completion: Object.assign(completion, this.metadata(target.provider.name, context)) };
  }

  async openStream(request: ChatRequest, context: ChatCallContext): Promise<OpenedStream> {
    const target = resolveTarget(request, this.options.catalog, this.options.providers, this.options.defaultProvider);
    const chunks = target.provider.stream({ request, model: target.model, signal: context.signal });
    const includeUsage = request.stream_options?.include_usage === true;
    const rest = this.decorate(chunks, this.metadata(target.provider.name, context), includeUsage);
    const first = await rest.next();
    return { provider: target.provider.name, first: first.done ? undefined : first.value, rest };
  }

  private metadata(provider: string, context: ChatCallContext) {
    return { provider, routing_policy: this.options.routingPolicy, request_id: context.requestId };
  }

  /**
   * Adds the metadata to each chunk and, unless the client asked for usage, drops the usage chunk and field.
   * A stream that ends before any choice finished is an upstream failure, never a quietly short answer.
   */
  private async *decorate(chunks: AsyncIterable<CompletionChunk>, metadata: ReturnType<ChatService["metadata"]>, includeUsage: boolean): AsyncGenerator<ChatCompletionChunk> {
    let finished = false;
    for await (const chunk of chunks) {
      if (chunk.choices.some((choice) => choice.finish_reason)) finished = true;
      if (!includeUsage) {
        if (chunk.choices.length === 0 && chunk.usage) continue;
        delete chunk.usage;
      }
      yield Object.assign(chunk, metadata);
    }
    if (!finished) {
      throw new GatewayError({ status: 502, type: "service_error", code: "upstream_error", message: `Provider '${metadata.provider}' ended the stream before the answer was complete.` });
    }
  }
}
