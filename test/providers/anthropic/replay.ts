import { GatewayError } from "../../../src/errors/gateway-error.js";
import {
  createStreamTransformer,
  type AnthropicStreamEvent,
  type StreamTransformerOptions,
} from "../../../src/providers/anthropic/stream-transformer.js";
import type { CompletionChunk } from "../../../src/providers/types.js";

/** Unix seconds used as `created` throughout these tests. */
export const CREATED = 1_764_150_000;

export interface ExpectedError {
  status: number;
  type: string;
  code: string | null;
  param: string | null;
  message: string;
}

export interface Replay {
  chunks: CompletionChunk[];
  error?: ExpectedError;
}

/** Pushes every event through a fresh transformer, then finish(); a thrown GatewayError ends the replay. */
export function replay(
  events: readonly AnthropicStreamEvent[],
  options: Partial<StreamTransformerOptions> = {},
): Replay {
  const transformer = createStreamTransformer({ created: CREATED, ...options });
  const chunks: CompletionChunk[] = [];
  try {
    for (const event of events) chunks.push(...transformer.push(event));
    chunks.push(...transformer.finish());
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { chunks, error: errorFields(err) };
  }
  return { chunks };
}

export function errorFields(err: GatewayError): ExpectedError {
  return { status: err.status, type: err.type, code: err.code, param: err.param, message: err.message };
}

/** The spec's chunk/completion schemas include the gateway's metadata, which providers leave to the gateway. */
export function withGatewayMetadata<T extends object>(
  value: T,
): T & { provider: string; routing_policy: string; request_id: string } {
  return { ...value, provider: "anthropic", routing_policy: "explicit", request_id: "req_test" };
}
