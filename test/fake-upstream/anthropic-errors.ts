import type { SseEvent } from "./scenario.js";

export interface AnthropicErrorFields {
  type?: string;
  message?: string;
}

export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
  request_id: string;
}

// The documented status → error.type table of the Messages API.
const DEFAULTS_BY_STATUS: Record<number, Required<AnthropicErrorFields>> = {
  400: { type: "invalid_request_error", message: "Invalid request" },
  401: { type: "authentication_error", message: "invalid x-api-key" },
  402: { type: "billing_error", message: "Your credit balance is too low to access the Anthropic API." },
  403: { type: "permission_error", message: "Your API key does not have permission to use the specified resource." },
  404: { type: "not_found_error", message: "Not Found" },
  413: { type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." },
  429: { type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit" },
  500: { type: "api_error", message: "Internal server error" },
  504: { type: "timeout_error", message: "Request timed out" },
  529: { type: "overloaded_error", message: "Overloaded" },
};

function defaultsFor(status: number): Required<AnthropicErrorFields> {
  return (
    DEFAULTS_BY_STATUS[status] ??
    (status >= 500 ? DEFAULTS_BY_STATUS[500] : DEFAULTS_BY_STATUS[400]) ?? {
      type: "api_error",
      message: "Error",
    }
  );
}

/** The `{"type":"error","error":{type,message},"request_id"}` body the real API sends with an error status. */
export function anthropicErrorBody(
  status: number,
  fields: AnthropicErrorFields,
  requestId: string,
): AnthropicErrorBody {
  const defaults = defaultsFor(status);
  return {
    type: "error",
    error: { type: fields.type ?? defaults.type, message: fields.message ?? defaults.message },
    request_id: requestId,
  };
}

/** An error inside an already-started stream, e.g. `anthropicStreamError('overloaded_error', 'Overloaded')`. */
export function anthropicStreamError(type = "overloaded_error", message = "Overloaded"): SseEvent {
  return { event: "error", data: { type: "error", error: { type, message } } };
}
