import Anthropic from "@anthropic-ai/sdk";
import type {
  Message,
  MessageCountTokensParams,
  MessageCreateParamsNonStreaming,
} from "@anthropic-ai/sdk/resources/messages";
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
import { callFailure, toGatewayError } from "../upstream-error.js";
import { postJson, readJson, upstreamEndpoint } from "../upstream-http.js";
import { anthropicEvents } from "./anthropic-events.js";
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

/** The API version `@anthropic-ai/sdk` sends, sent when the client names none. */
const ANTHROPIC_VERSION = "2026-10-21";
const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

/**
 * The Anthropic provider: translation in the pure functions next to this file, the wire here. Chat and Messages
 * requests, the hot path, go over undici directly (a keep-alive pool per provider, a lean SSE reader; see
 * openai/client.ts for why) with the SDK's wire: `Authorization: Bearer`, its `anthropic-version`, JSON, its timeout
 * as the time to the response head, its error mapping. Token counting, rarer, goes through the SDK (its own retries
 * off: the gateway decides about retries and fallbacks). Chat answers are translated to
 * OpenAI's shapes (a completion, or chunks) and read into events as an OpenAI-compatible upstream's are; Messages
 * API requests go to Claude as they are (less Runestone's fields), with the client's anthropic-version and
 * anthropic-beta, and the answer comes back event by event.
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): Provider {
  const { name, defaultMaxTokens } = options;
  const now = options.now ?? Date.now;
  const sending = new RequestSending();
  const dispatcher = createUpstreamAgent(options.connectTimeoutMs);
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: options.timeoutMs,
    fetch: sending.fetch,
    fetchOptions: { dispatcher },
  });
  const endpoint = upstreamEndpoint({
    provider: name,
    dispatcher,
    baseURL: options.baseURL ?? ANTHROPIC_BASE_URL,
    headers: {
      authorization: `Bearer ${options.apiKey}`,
      "anthropic-version": ANTHROPIC_VERSION,
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": "Runestone",
    },
    timeoutMs: options.timeoutMs,
  });
  /** Messages API events; a body that cannot be serialised is the gateway's failure, thrown as it is, never sent. */
  async function* events(body: object, signal: AbortSignal, headers?: Record<string, string>) {
    const payload = JSON.stringify(body);
    try {
      yield* anthropicEvents(await postJson(endpoint, "/v1/messages", payload, signal, headers), name);
    } catch (err) {
      throw signal.aborted ? signal.reason : toGatewayError(err, name);
    }
    // A cut-off answer must never look complete.
    if (signal.aborted) throw signal.reason;
  }
  /** A plain Messages API answer; failures as events' are. */
  async function message(body: object, signal: AbortSignal, headers?: Record<string, string>): Promise<Message> {
    const payload = JSON.stringify(body);
    try {
      return (await readJson(await postJson(endpoint, "/v1/messages", payload, signal, headers))) as Message;
    } catch (err) {
      throw signal.aborted ? signal.reason : toGatewayError(err, name);
    }
  }

  const created = (): number => Math.floor(now() / 1000);

  async function* chunks({ request, model, signal }: ProviderCall): AsyncGenerator<CompletionChunk> {
    const transformer = createStreamTransformer({
      created: created(),
      jsonToolName: jsonResponseToolName(request),
      provider: name,
    });
    const body = { ...toAnthropicRequest(request, { model, defaultMaxTokens }), stream: true };
    for await (const event of events(body, signal)) {
      try {
        yield* transformer.push(event);
      } catch (err) {
        // An event the translation cannot read is the upstream's fault, as a 502.
        throw toGatewayError(err, name);
      }
    }
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
      const headers = anthropicHeaders(request.headers);
      if (!stream) yield await message(params, signal, headers);
      else yield* events({ ...params, stream: true }, signal, headers);
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
      const answer = await message(toAnthropicRequest(request, { model, defaultMaxTokens }), signal);
      try {
        completion = fromAnthropicResponse(answer, { created: created(), jsonToolName: jsonResponseToolName(request) });
      } catch (err) {
        // An answer that is not a message fails to translate: the upstream's fault, as a 502.
        throw toGatewayError(err, name);
      }
      yield* completionEvents(completion);
    },
  };
}

/** The client's Anthropic headers, for Claude to see as the client sent them (the SDK's otherwise). */
function anthropicHeaders({ version, beta }: AnthropicHeaders): Record<string, string> {
  return { ...(version ? { "anthropic-version": version } : {}), ...(beta ? { "anthropic-beta": beta } : {}) };
}
