import OpenAI from "openai";
import { chunkStreamEvents, completionEvents } from "../chat-events.js";
import type { ChatEvent, ChatProvider, Completion, CompletionChunk, ProviderCall } from "../types.js";
import { createUpstreamAgent } from "../upstream-agent.js";
import { RequestSending } from "../request-sending.js";
import { callFailure } from "../upstream-error.js";
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
 * retries off: routing owns retries.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): ChatProvider {
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

  return {
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
}
