import type { ErrorBody, GatewayError } from "../errors/gateway-error.js";
import { type AnthropicErrorBody, toAnthropicErrorBody } from "../providers/anthropic/anthropic-error.js";
import type { AppContext } from "./app-state.js";

/** The Messages API's paths (and anything under them): Anthropic clients read errors in Anthropic's shape only. */
const ANTHROPIC_PATHS = /^\/v1\/messages(\/|$)/;

/**
 * An error's body as the client's API has it: Anthropic's `{"type":"error","error":{"type","message"}}` on the
 * Messages API paths (so that the Anthropic SDK raises its own error classes), OpenAI's shape everywhere else.
 */
export function errorBodyFor(ctx: AppContext, error: GatewayError): AnthropicErrorBody | ErrorBody {
  return ANTHROPIC_PATHS.test(ctx.path) ? toAnthropicErrorBody(error, ctx.state.requestId) : error.toBody();
}
