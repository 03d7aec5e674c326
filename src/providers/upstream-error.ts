import {
  APIError as AnthropicAPIError,
  APIConnectionError as AnthropicConnectionError,
  APIConnectionTimeoutError as AnthropicTimeoutError,
  APIUserAbortError as AnthropicAbortError,
} from "@anthropic-ai/sdk";
import {
  APIError as OpenAIAPIError,
  APIConnectionError as OpenAIConnectionError,
  APIConnectionTimeoutError as OpenAITimeoutError,
  APIUserAbortError as OpenAIAbortError,
} from "openai";
import { GatewayError, type ErrorType } from "../errors.js";

/** Thrown when the client went away and the upstream call was aborted: there is nobody to answer. */
export class ClientAbortedError extends Error {
  constructor() {
    super("client closed the request");
    this.name = "ClientAbortedError";
  }
}

interface UpstreamErrorFields {
  message?: string;
  type?: string;
  code?: string | null;
  param?: string | null;
}

/** The error object inside an upstream error body: OpenAI's `{error:{…}}`, Anthropic's `{type:"error",error:{…}}`. */
function errorFields(body: unknown): UpstreamErrorFields {
  if (typeof body !== "object" || body === null) return {};
  const inner = "error" in body && typeof body.error === "object" && body.error !== null ? body.error : body;
  const pick = (key: string): string | undefined => {
    const value = (inner as Record<string, unknown>)[key];
    return typeof value === "string" ? value : undefined;
  };
  return { message: pick("message"), type: pick("type"), code: pick("code") ?? null, param: pick("param") ?? null };
}

function retryAfterMsOf(headers: Headers | undefined): number | undefined {
  const ms = headers?.get("retry-after-ms");
  return ms && Number.isFinite(Number(ms)) ? Math.max(0, Number(ms)) : undefined;
}

function retryAfterOf(headers: Headers | undefined): string | undefined {
  const ms = retryAfterMsOf(headers);
  if (ms !== undefined) return String(Math.ceil(ms / 1000));
  return headers?.get("retry-after") ?? undefined;
}

/** Upstream error types that arrive mid-stream (no HTTP status) mapped to the status they would have had. */
const STATUS_OF_STREAM_ERROR: Record<string, number> = {
  overloaded_error: 529,
  rate_limit_error: 429,
  api_error: 500,
  server_error: 500,
  invalid_request_error: 400,
};

function mapStatus(status: number): { status: number; type: ErrorType; code: string } {
  if (status === 400 || status === 422)
    return { status: 400, type: "invalid_request_error", code: "upstream_invalid_request" };
  if (status === 401) return { status: 401, type: "authentication_error", code: "upstream_authentication_failed" };
  if (status === 403) return { status: 403, type: "permission_error", code: "upstream_permission_denied" };
  if (status === 404) return { status: 404, type: "not_found_error", code: "model_not_found" };
  if (status === 413) return { status: 413, type: "invalid_request_error", code: "request_too_large" };
  if (status === 429) return { status: 429, type: "rate_limit_error", code: "upstream_rate_limited" };
  if (status === 529) return { status: 503, type: "service_error", code: "provider_overloaded" };
  if (status === 503) return { status: 503, type: "service_error", code: "upstream_unavailable" };
  if (status === 504) return { status: 504, type: "service_error", code: "upstream_timeout" };
  if (status >= 500) return { status: 502, type: "service_error", code: "upstream_error" };
  return { status: 400, type: "invalid_request_error", code: "upstream_invalid_request" };
}

function fromUpstreamErrorBody(
  status: number | undefined,
  body: unknown,
  headers: Headers | undefined,
  provider: string,
): GatewayError {
  const fields = errorFields(body);
  const upstreamStatus = status ?? STATUS_OF_STREAM_ERROR[fields.type ?? ""] ?? 500;
  const mapped = mapStatus(upstreamStatus);
  const detail = fields.message ?? `status ${upstreamStatus}`;
  return new GatewayError({
    ...mapped,
    message: `Provider '${provider}' answered ${upstreamStatus}: ${detail}`,
    param: mapped.status === 400 ? fields.param : null,
    retryAfter: retryAfterOf(headers),
    retryAfterMs: retryAfterMsOf(headers),
  });
}

/**
 * The GatewayError for an error event that arrived inside a stream (`{"type":"error","error":{…}}`, no HTTP
 * status): the same error toGatewayError builds when the SDK throws it for that event.
 */
export function streamErrorToGatewayError(body: unknown, provider: string): GatewayError {
  return fromUpstreamErrorBody(undefined, body, undefined, provider);
}

export function isClientAbort(err: unknown): boolean {
  return err instanceof ClientAbortedError || err instanceof OpenAIAbortError || err instanceof AnthropicAbortError;
}

/**
 * Turns whatever an SDK call threw into the GatewayError the client sees: a faithful status, our error shape,
 * and the upstream's own message (never an SDK message dump or a stack).
 */
export function toGatewayError(err: unknown, provider: string): GatewayError | ClientAbortedError {
  if (err instanceof GatewayError || err instanceof ClientAbortedError) return err;
  if (isClientAbort(err)) return new ClientAbortedError();
  if (err instanceof OpenAITimeoutError || err instanceof AnthropicTimeoutError) {
    return new GatewayError({
      status: 504,
      type: "service_error",
      code: "upstream_timeout",
      message: `Provider '${provider}' did not answer in time.`,
    });
  }
  if (err instanceof OpenAIConnectionError || err instanceof AnthropicConnectionError) {
    return new GatewayError({
      status: 502,
      type: "service_error",
      code: "upstream_unreachable",
      message: `Provider '${provider}' could not be reached.`,
    });
  }
  if (err instanceof OpenAIAPIError || err instanceof AnthropicAPIError) {
    return fromUpstreamErrorBody(err.status, err.error, err.headers, provider);
  }
  return new GatewayError({
    status: 502,
    type: "service_error",
    code: "upstream_error",
    message: `Provider '${provider}' failed: ${err instanceof Error ? err.message : String(err)}`,
  });
}
