import Anthropic from "@anthropic-ai/sdk";
import type { MessageCountTokensParams, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import { GatewayError } from "../../errors/gateway-error.js";
import { chunkStreamEvents, completionEvents } from "../chat-events.js";
import { withoutRunestoneFields } from "../runestone-fields.js";
import type {
  AnthropicHeaders,
  ChatEvent,
  Completion,
  CompletionChunk,
  MessagesEvent,
  Provider,
  ProviderCall,
} from "../types.js";
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
 * request; the SDK does not retry (the gateway decides about retries and fallbacks). Chat answers are translated to
 * OpenAI's shapes (a completion, or chunks) and read into events as an OpenAI-compatible upstream's are; Messages
 * API requests go to Claude as they are (less Runestone's fields), with the client's anthropic-version and
 * anthropic-beta, and the answer comes back event by event.
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): Provider {
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
    async *messages({ request, model, stream, signal }): AsyncGenerator<MessagesEvent> {
      // The spec's MessagesRequest and the SDK's params describe the same wire format; the spec validated it. Not
      // streamed, the body is the client's (`stream` as it sent it, if at all).
      const params = {
        ...withoutRunestoneFields("MessagesRequest", request.body),
        model,
      } as MessageCreateParamsNonStreaming;
      const options = { signal, headers: anthropicHeaders(request.headers) };
      const attempt = sending.start();
      try {
        if (!stream) {
          yield await attempt.run(() => client.messages.create(params, options));
          return;
        }
        const events = await attempt.run(() => client.messages.create({ ...params, stream: true }, options));
        for await (const event of events) yield event;
      } catch (err) {
        throw signal.aborted ? signal.reason : callFailure(err, name, attempt);
      }
      // On abort the SDK's stream just ends, as if the answer were complete: it is not.
      if (signal.aborted) throw signal.reason;
    },
    async countTokens({ request, model, signal }): Promise<number> {
      const params = { ...withoutRunestoneFields("CountTokensRequest", request.body), model };
      const attempt = sending.start();
      try {
        const counted = await attempt.run(() =>
          client.messages.countTokens(params as MessageCountTokensParams, {
            signal,
            headers: anthropicHeaders(request.headers),
          }),
        );
        return counted.input_tokens;
      } catch (err) {
        throw signal.aborted ? signal.reason : callFailure(err, name, attempt);
      }
    },
    // biome-ignore lint/correctness/useYield: Anthropic has no embeddings; the generator only throws.
    async *embeddings() {
      throw new GatewayError(
        "operation_not_supported",
        `Provider '${name}' (Anthropic) has no embeddings; use an OpenAI or OpenAI-compatible embedding model.`,
        { param: "model" },
      );
    },
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

/** The client's Anthropic headers, for Claude to see as the client sent them (the SDK's otherwise). */
function anthropicHeaders({ version, beta }: AnthropicHeaders): Record<string, string> {
  return { ...(version ? { "anthropic-version": version } : {}), ...(beta ? { "anthropic-beta": beta } : {}) };
}
