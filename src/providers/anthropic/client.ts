import Anthropic from "@anthropic-ai/sdk";
import type { GatewayError } from "../../errors.js";
import type { ChatProvider, Completion, CompletionChunk, ProviderCall } from "../types.js";
import { createUpstreamAgent } from "../upstream-agent.js";
import { ClientAbortedError, toGatewayError } from "../upstream-error.js";
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
   * Per request (providers.<name>.timeout_ms). Always set: it also keeps the SDK from refusing a large non-streamed
   * max_tokens.
   */
  timeoutMs: number;
  /** Time to open a connection; unlimited (the OS's) when not given. */
  connectTimeoutMs?: number;
  /** Milliseconds since the epoch, like Date.now (the default); `created` is its whole seconds. */
  now?: () => number;
}

/**
 * The Anthropic provider: translation in the pure functions next to this file, the wire in the official SDK.
 * All SDK use is in this file, so the transport can be swapped here. One client, made here, serves every
 * request; the SDK does not retry (the gateway decides about retries and fallbacks).
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): ChatProvider {
  const { name, defaultMaxTokens } = options;
  const now = options.now ?? Date.now;
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: options.timeoutMs,
    ...(options.connectTimeoutMs === undefined
      ? {}
      : { fetchOptions: { dispatcher: createUpstreamAgent(options.connectTimeoutMs) } }),
  });

  const created = (): number => Math.floor(now() / 1000);

  /** What the client sees of a failure: nothing to answer when it went away, else the upstream's error. */
  const failure = (err: unknown, signal: AbortSignal): GatewayError | ClientAbortedError =>
    signal.aborted ? new ClientAbortedError() : toGatewayError(err, name);

  async function complete({ request, model, signal }: ProviderCall): Promise<Completion> {
    const params = toAnthropicRequest(request, { model, defaultMaxTokens });
    let message: Anthropic.Message;
    try {
      message = await client.messages.create(params, { signal });
    } catch (err) {
      throw failure(err, signal);
    }
    return fromAnthropicResponse(message, { created: created(), jsonToolName: jsonResponseToolName(request) });
  }

  async function* stream({ request, model, signal }: ProviderCall): AsyncGenerator<CompletionChunk, void, undefined> {
    const params = toAnthropicRequest(request, { model, defaultMaxTokens });
    const transformer = createStreamTransformer({
      created: created(),
      jsonToolName: jsonResponseToolName(request),
      provider: name,
    });
    try {
      const events = await client.messages.create({ ...params, stream: true }, { signal });
      for await (const event of events) yield* transformer.push(event);
    } catch (err) {
      throw failure(err, signal);
    }
    // On abort the SDK's stream just ends, as if the answer were complete: it is not.
    if (signal.aborted) throw new ClientAbortedError();
    yield* transformer.finish();
  }

  return { name, kind: "anthropic", complete, stream };
}
