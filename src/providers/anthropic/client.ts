import Anthropic from "@anthropic-ai/sdk";
import { chunkStreamEvents, completionEvents } from "../chat-events.js";
import type { ChatEvent, ChatProvider, Completion, CompletionChunk, ProviderCall } from "../types.js";
import { createUpstreamAgent } from "../upstream-agent.js";
import { RequestSending } from "../request-sending.js";
import { callFailure } from "../upstream-error.js";
import { fromAnthropicResponse } from "./from-anthropic-response.js";
import { jsonResponseToolName } from "./json-response-tool.js";
import { createStreamTransformer } from "./stream-transformer.js";
import { toAnthropicRequest } from "./to-anthropic-request.js";

export interface AnthropicProviderOptions {
  /** The provider's configured name (`anthropic`), used in error messages. */
  name: string;
  apiKey: string;
  /** Defaults to the SDK's (ANTHROPIC_BASE_URL, else https://api.anthropic.com). */
  baseURL?: string;
  /** `max_tokens` when the client sets none (Anthropic requires it). */
  defaultMaxTokens: number;
  /**
   * Per request (providers.<name>.timeout_ms), a whole stream included. Always set: it also keeps the SDK from
   * refusing a large non-streamed max_tokens.
   */
  timeoutMs: number;
  /** Time to open a connection. */
  connectTimeoutMs: number;
  /** Milliseconds since the epoch, like Date.now (the default); `created` is its whole seconds. */
  now?: () => number;
}

/**
 * The Anthropic provider: translation in the pure functions next to this file, the wire in the official SDK.
 * All SDK use is in this file, so the transport can be swapped here. One client, made here, serves every
 * request; the SDK does not retry (the gateway decides about retries and fallbacks). Answers are translated to
 * OpenAI's shapes (a completion, or chunks) and read into events as an OpenAI-compatible upstream's are.
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): ChatProvider {
  const { name, defaultMaxTokens } = options;
  const now = options.now ?? Date.now;
  const sending = new RequestSending();
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: options.timeoutMs,
    fetch: sending.fetch,
    fetchOptions: { dispatcher: createUpstreamAgent(options.connectTimeoutMs) },
  });

  const created = (): number => Math.floor(now() / 1000);

  async function* chunks({ request, model, signal }: ProviderCall): AsyncGenerator<CompletionChunk> {
    const transformer = createStreamTransformer({
      created: created(),
      jsonToolName: jsonResponseToolName(request),
      provider: name,
    });
    const attempt = sending.start();
    try {
      const events = await attempt.run(() =>
        client.messages.create(
          { ...toAnthropicRequest(request, { model, defaultMaxTokens }), stream: true },
          { signal },
        ),
      );
      for await (const event of events) yield* transformer.push(event);
    } catch (err) {
      throw signal.aborted ? signal.reason : callFailure(err, name, attempt);
    }
    // On abort the SDK's stream just ends, as if the answer were complete: it is not.
    if (signal.aborted) throw signal.reason;
    yield* transformer.finish();
  }

  return {
    name,
    kind: "anthropic",
    async *chat(call: ProviderCall): AsyncGenerator<ChatEvent> {
      if (call.stream) return yield* chunkStreamEvents(chunks(call), name);
      const { request, model, signal } = call;
      let completion: Completion;
      const attempt = sending.start();
      try {
        const message = await attempt.run(() =>
          client.messages.create(toAnthropicRequest(request, { model, defaultMaxTokens }), { signal }),
        );
        completion = fromAnthropicResponse(message, {
          created: created(),
          jsonToolName: jsonResponseToolName(request),
        });
      } catch (err) {
        throw signal.aborted ? signal.reason : callFailure(err, name, attempt);
      }
      yield* completionEvents(completion);
    },
  };
}
