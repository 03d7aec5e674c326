import type { ErrorType as AnthropicSdkErrorType } from "@anthropic-ai/sdk/resources/shared";
import type { GatewayError } from "../../errors/gateway-error.js";
import type { StreamErrorEvent } from "./stream-transformer.js";

/**
 * Anthropic's error types. `request_too_large` (413) is in Anthropic's error documentation but not in the SDK's
 * union; the SDK picks its error class by HTTP status, so the type string is for people and logs.
 */
export type AnthropicErrorType = AnthropicSdkErrorType | "request_too_large";

/** `{"type":"error","error":{"type","message"}}`: an error response body of the Messages API. */
export interface AnthropicErrorBody {
  type: "error";
  error: { type: AnthropicErrorType; message: string };
  /** The gateway's request id, as Anthropic puts its own in error bodies. */
  request_id?: string;
}

/**
 * Anthropic's error type for each HTTP status, as Anthropic documents them. Runestone's `service_error` splits
 * by status: 503 (an overloaded or unavailable upstream, say) is `overloaded_error` — "try again later", as
 * Anthropic's 529 — and 504 is `timeout_error`.
 */
const ERROR_TYPE_OF_STATUS: Readonly<Record<number, AnthropicErrorType>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  502: "api_error",
  503: "overloaded_error",
  504: "timeout_error",
  529: "overloaded_error",
};

/** The Anthropic error type of a GatewayError: by its status, else any other 4xx is a bad request, 5xx an api_error. */
export function toAnthropicErrorType(error: GatewayError): AnthropicErrorType {
  return ERROR_TYPE_OF_STATUS[error.status] ?? (error.status < 500 ? "invalid_request_error" : "api_error");
}

/**
 * Anthropic's error shape has no `param`: the field is named at the start of the message instead, in Anthropic's
 * own dotted form (`messages.2.content.0: …`), once (a message that starts with it already gets it dotted).
 */
function anthropicMessage(error: GatewayError): string {
  const { param, message } = error;
  if (param === null || param === "") return message;
  const dotted = param.replace(/\[(\d+)\]/g, ".$1");
  return message.startsWith(`${param}:`) ? `${dotted}${message.slice(param.length)}` : `${dotted}: ${message}`;
}

/** A GatewayError as a Messages API error body (sent with the GatewayError's status and headers). */
export function toAnthropicErrorBody(error: GatewayError, requestId?: string): AnthropicErrorBody {
  const body: AnthropicErrorBody = {
    type: "error",
    error: { type: toAnthropicErrorType(error), message: anthropicMessage(error) },
  };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}

/** A GatewayError as the `error` event that ends a Messages stream which already started. */
export function toAnthropicErrorEvent(error: GatewayError): StreamErrorEvent {
  return { type: "error", error: { type: toAnthropicErrorType(error), message: anthropicMessage(error) } };
}
