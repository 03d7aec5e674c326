import OpenAI from "openai";
import { GatewayError } from "../../errors/gateway-error.js";
import type { ChatCompletion as SdkCompletion } from "openai/resources/chat/completions";
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
import { postJson, readJson, upstreamEndpoint } from "../upstream-http.js";
import { openAIChunks } from "./openai-sse.js";
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

const OPENAI_BASE_URL = "https://api.openai.com/v1";

/**
 * An OpenAI-compatible upstream. Chat completions, the hot path, go over undici directly (one keep-alive pool per
 * provider, the body serialised once, a lean SSE reader): measured, the `openai` SDK's per-request work and the
 * fetch machinery it drives cost more CPU than the rest of the gateway (README, Performance). The wire is the SDK's:
 * `Authorization: Bearer`, JSON, its timeout as the time to the response head, its error mapping. Embeddings,
 * rarer, still go through the SDK (its own retries off: routing owns retries). Messages API requests are translated
 * to chat completions (see messages-over-chat.ts).
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): Provider {
  const sending = new RequestSending();
  const dispatcher = createUpstreamAgent(options.connectTimeoutMs);
  // Local OpenAI-compatible hosts need no key, but the SDK insists on one, and sends it: so do we.
  const apiKey = options.apiKey ?? "unused";
  const client = new OpenAI({
    apiKey,
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: options.timeoutMs,
    fetch: sending.fetch,
    fetchOptions: { dispatcher },
  });
  const { name } = options;
  const endpoint = upstreamEndpoint({
    provider: name,
    dispatcher,
    baseURL: options.baseURL ?? OPENAI_BASE_URL,
    headers: {
      authorization: `Bearer ${apiKey}`,
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": "Runestone",
    },
    timeoutMs: options.timeoutMs,
  });

  async function* chunks({ request, model, signal }: ProviderCall): AsyncGenerator<CompletionChunk> {
    // Not serialisable (too deeply nested, say): the gateway's failure, thrown as it is, never sent.
    const body = JSON.stringify(toOpenAIStreamRequest(request, model));
    try {
      const response = await postJson(endpoint, "/chat/completions", body, signal);
      for await (const chunk of openAIChunks(response, name)) yield fromOpenAIChunk(chunk);
    } catch (err) {
      throw signal.aborted ? signal.reason : toGatewayError(err, name);
    }
    // An aborted stream may end quietly; a cut-off answer must never look complete.
    if (signal.aborted) throw signal.reason;
  }

  const provider: ChatProvider = {
    name,
    kind: "openai",
    async *chat(call: ProviderCall): AsyncGenerator<ChatEvent> {
      if (call.stream) return yield* chunkStreamEvents(chunks(call), name);
      const { request, model, signal } = call;
      let completion: Completion;
      const body = JSON.stringify(toOpenAIRequest(request, model));
      try {
        const response = await postJson(endpoint, "/chat/completions", body, signal);
        // An answer that is not a chat completion fails to translate: the upstream's fault, as a 502.
        completion = fromOpenAIResponse((await readJson(response)) as SdkCompletion);
      } catch (err) {
        throw signal.aborted ? signal.reason : toGatewayError(err, name);
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
