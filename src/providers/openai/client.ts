import OpenAI from "openai";
import { GatewayError } from "../../errors/gateway-error.js";
import type { EmbeddingCreateParams } from "openai/resources/embeddings";
import { messagesOverChat } from "../anthropic/messages-over-chat.js";
import { chunkStreamEvents, completionEvents } from "../chat-events.js";
import { withoutRunestoneFields } from "../runestone-fields.js";
import type {
  ChatEvent,
  ChatProvider,
  Completion,
  CompletionChunk,
  EmbeddingList,
  Provider,
  ProviderCall,
} from "../types.js";
import { createUpstreamAgent } from "../upstream-agent.js";
import { RequestSending } from "../request-sending.js";
import { callFailure, toGatewayError } from "../upstream-error.js";
import { fromOpenAIEmbeddings } from "./from-openai-embeddings.js";
import { fromOpenAIModel, isModelName } from "./from-openai-model.js";
import { fromOpenAIChunk, fromOpenAIResponse } from "./from-openai-response.js";
import { toOpenAIRequest, toOpenAIStreamRequest } from "./to-openai-request.js";

export interface OpenAIProviderOptions {
  name: string;
  apiKey: string | undefined;
  baseURL: string | undefined;
  timeoutMs: number;
  connectTimeoutMs: number;
}

/**
 * The one place that calls the `openai` SDK. The client is made once (keep-alive) with the SDK's own
 * retries off: routing owns retries. Messages API requests are translated to chat completions (see
 * messages-over-chat.ts).
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): Provider {
  const sending = new RequestSending();
  const client = new OpenAI({
    // Local OpenAI-compatible hosts need no key, but the SDK insists on one.
    apiKey: options.apiKey ?? "unused",
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: options.timeoutMs,
    fetch: sending.fetch,
    fetchOptions: { dispatcher: createUpstreamAgent(options.connectTimeoutMs) },
  });
  const { name } = options;

  async function* chunks({ request, model, signal }: ProviderCall): AsyncGenerator<CompletionChunk> {
    const attempt = sending.start();
    try {
      const stream = await attempt.run(() =>
        client.chat.completions.create(toOpenAIStreamRequest(request, model), { signal }),
      );
      for await (const chunk of stream) yield fromOpenAIChunk(chunk);
    } catch (err) {
      throw signal.aborted ? signal.reason : callFailure(err, name, attempt);
    }
    // The SDK ends an aborted stream quietly; a cut-off answer must never look complete.
    if (signal.aborted) throw signal.reason;
  }

  const provider: ChatProvider = {
    name,
    kind: "openai",
    async *chat(call: ProviderCall): AsyncGenerator<ChatEvent> {
      if (call.stream) return yield* chunkStreamEvents(chunks(call), name);
      const { request, model, signal } = call;
      let completion: Completion;
      const attempt = sending.start();
      try {
        // An answer that is not a chat completion fails to translate: the upstream's fault, as a 502.
        completion = fromOpenAIResponse(
          await attempt.run(() => client.chat.completions.create(toOpenAIRequest(request, model), { signal })),
        );
      } catch (err) {
        throw signal.aborted ? signal.reason : callFailure(err, name, attempt);
      }
      yield* completionEvents(completion);
    },
  };

  return {
    ...provider,
    messages: (call) => messagesOverChat(provider, call),
    async listModels({ signal, timeoutMs }) {
      try {
        // The signal also ends a host that sent its headers and stalls its body, which the SDK's timeout does not.
        const { data } = await client.models.list({ signal, timeout: timeoutMs });
        if (!Array.isArray(data))
          throw new GatewayError("upstream_error", `Provider '${name}' answered GET /models without a model list.`);
        return data.flatMap((model) => (isModelName(model?.id) ? [fromOpenAIModel(model)] : []));
      } catch (err) {
        if (signal.aborted)
          throw new GatewayError(
            "upstream_timeout",
            `Provider '${name}' did not list its models within ${timeoutMs} ms.`,
          );
        throw toGatewayError(err, name);
      }
    },
    async *embeddings({ request, model, signal }): AsyncGenerator<EmbeddingList> {
      const params = {
        ...withoutRunestoneFields("EmbeddingRequest", request),
        model,
        // Always named: without it the SDK would ask for base64 and decode it into a Float32Array.
        encoding_format: request.encoding_format ?? "float",
      } as EmbeddingCreateParams;
      let list: EmbeddingList;
      const attempt = sending.start();
      try {
        list = fromOpenAIEmbeddings(await attempt.run(() => client.embeddings.create(params, { signal })), model);
      } catch (err) {
        throw signal.aborted ? signal.reason : callFailure(err, name, attempt);
      }
      yield list;
    },
  };
}
