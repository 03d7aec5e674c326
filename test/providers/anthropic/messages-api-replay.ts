import { GatewayError } from "../../../src/errors/gateway-error.js";
import type { AnthropicStreamEvent } from "../../../src/providers/anthropic/stream-transformer.js";
import { createAnthropicStreamEncoder } from "../../../src/providers/anthropic/to-anthropic-stream.js";
import type { CompletionChunk } from "../../../src/providers/types.js";

export interface ExpectedError {
  status: number;
  type: string;
  code: string | null;
  param: string | null;
  message: string;
}

export interface EventReplay {
  /** Every event the client is sent, the `error` event included when the stream failed. */
  events: AnthropicStreamEvent[];
  /** The failure, as the gateway sees it. */
  error?: ExpectedError;
}

export function errorFields(err: GatewayError): ExpectedError {
  return { status: err.status, type: err.type, code: err.code, param: err.param, message: err.message };
}

/**
 * Pushes every chunk through a fresh encoder, then finish(); a thrown GatewayError ends the stream with the
 * encoder's `error` event, as the gateway sends it.
 */
export function replayChunks(chunks: readonly CompletionChunk[], provider = "openai"): EventReplay {
  const encoder = createAnthropicStreamEncoder({ provider });
  const events: AnthropicStreamEvent[] = [];
  try {
    for (const chunk of chunks) events.push(...encoder.push(chunk));
    events.push(...encoder.finish());
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    events.push(...encoder.fail(err));
    return { events, error: errorFields(err) };
  }
  return { events };
}
