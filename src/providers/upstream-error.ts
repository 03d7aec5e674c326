import {
  APIError as AnthropicAPIError,
  APIConnectionError as AnthropicConnectionError,
  APIConnectionTimeoutError as AnthropicTimeoutError,
} from "@anthropic-ai/sdk";
import {
  APIError as OpenAIAPIError,
  APIConnectionError as OpenAIConnectionError,
  APIConnectionTimeoutError as OpenAITimeoutError,
} from "openai";
import { ERROR_TABLE, type ErrorCode } from "../errors/error-table.js";
import { GatewayError } from "../errors/gateway-error.js";
import { parseRetryAfter } from "../resilience/retry-after.js";
import type { SendingCall } from "./request-sending.js";

interface UpstreamErrorFields {
  message?: string;
  type?: string;
  param?: string | null;
}

/** The upstream's HTTP status → the error code the client gets (its status and type come from the error table). */
const CODE_OF_UPSTREAM_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: "upstream_invalid_request",
  401: "upstream_authentication_failed",
  403: "upstream_permission_denied",
  404: "model_not_found",
  413: "request_too_large",
  422: "upstream_invalid_request",
  429: "upstream_rate_limited",
  503: "upstream_unavailable",
  504: "upstream_timeout",
  // Anthropic's "overloaded".
  529: "provider_overloaded",
};

function codeOfUpstreamStatus(status: number): ErrorCode {
  return CODE_OF_UPSTREAM_STATUS[status] ?? (status >= 500 ? "upstream_error" : "upstream_invalid_request");
}

/** Upstream error types that arrive mid-stream (no HTTP status) mapped to the status they would have had. */
const STATUS_OF_STREAM_ERROR: Readonly<Record<string, number>> = {
  overloaded_error: 529,
  rate_limit_error: 429,
  api_error: 500,
  server_error: 500,
  invalid_request_error: 400,
};

/** The error object inside an upstream error body: OpenAI's `{error:{…}}`, Anthropic's `{type:"error",error:{…}}`. */
function errorFields(body: unknown): UpstreamErrorFields {
  if (typeof body !== "object" || body === null) return {};
  const inner = "error" in body && typeof body.error === "object" && body.error !== null ? body.error : body;
  const pick = (key: string): string | undefined => {
    const value = (inner as Record<string, unknown>)[key];
    return typeof value === "string" ? value : undefined;
  };
  return { message: pick("message"), type: pick("type"), param: pick("param") ?? null };
}

/** One response header by its lower-case name. */
export type HeaderLookup = (name: string) => string | null | undefined;

/** How long the upstream asked to wait: `retry-after-ms` at full precision, else `retry-after` (seconds or a date). */
function retryAfterMsOf(header: HeaderLookup | undefined): number | undefined {
  const ms = header?.("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = header?.("retry-after");
  return value ? parseRetryAfter(value, Date.now()) : undefined;
}

/** The GatewayError for an upstream's error answer: its status, its body (parsed, else as text), its headers. */
export function fromUpstreamErrorBody(
  status: number | undefined,
  body: unknown,
  header: HeaderLookup | undefined,
  provider: string,
  cause: unknown,
): GatewayError {
  const fields = errorFields(body);
  const upstreamStatus = status ?? STATUS_OF_STREAM_ERROR[fields.type ?? ""] ?? 500;
  const code = codeOfUpstreamStatus(upstreamStatus);
  // The upstream's `param` names a field of the request the client sent: passed on for the client's own mistakes.
  const param = ERROR_TABLE[code].status === 400 ? fields.param : null;
  const message = `Provider '${provider}' answered ${upstreamStatus}: ${fields.message ?? `status ${upstreamStatus}`}`;
  return new GatewayError(code, message, { param, retryAfterMs: retryAfterMsOf(header), cause });
}

export function upstreamTimeout(provider: string, cause: unknown): GatewayError {
  return new GatewayError("upstream_timeout", `Provider '${provider}' did not answer in time.`, { cause });
}

export function upstreamUnreachable(provider: string, cause: unknown): GatewayError {
  return new GatewayError("upstream_unreachable", `Provider '${provider}' could not be reached.`, { cause });
}

/**
 * The GatewayError for an error event that arrived inside a stream (`{"type":"error","error":{…}}`, no HTTP
 * status): the same error toGatewayError builds when the SDK throws it for that event.
 */
export function streamErrorToGatewayError(body: unknown, provider: string): GatewayError {
  return fromUpstreamErrorBody(undefined, body, undefined, provider, body);
}

/**
 * Turns whatever an SDK call threw into the GatewayError the client sees: a faithful status, our error shape, the
 * upstream's own message (never an SDK message dump or a stack), and the original error as its `cause`.
 */
export function toGatewayError(err: unknown, provider: string): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof OpenAITimeoutError || err instanceof AnthropicTimeoutError) {
    return upstreamTimeout(provider, err);
  }
  if (err instanceof OpenAIConnectionError || err instanceof AnthropicConnectionError) {
    return upstreamUnreachable(provider, err);
  }
  if (err instanceof OpenAIAPIError || err instanceof AnthropicAPIError) {
    const { headers } = err;
    return fromUpstreamErrorBody(err.status, err.error, headers && ((name) => headers.get(name)), provider, err);
  }
  return new GatewayError(
    "upstream_error",
    `Provider '${provider}' failed: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}

/**
 * What to throw for an SDK call that failed. Once its request was sent, the upstream's failure as the client sees
 * it (toGatewayError). Before that the gateway failed, not the upstream (a body too deeply nested to serialise, a
 * translation bug): the error is thrown as it is, so that nothing counts or retries it as an upstream fault, and
 * the error handler answers it (see ownFailure).
 */
export function callFailure(err: unknown, provider: string, call: SendingCall): unknown {
  return call.sent || err instanceof GatewayError ? toGatewayError(err, provider) : err;
}
