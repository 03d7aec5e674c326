import type { components } from "../../generated/openapi.js";

export type ErrorCode = components["schemas"]["ErrorCode"];
export type ErrorType = components["schemas"]["ErrorType"];

/** Which circuit breakers an upstream fault counts against: the whole provider, or the one model. */
export type BreakerScope = "provider" | "model";

export interface ErrorTraits {
  status: number;
  type: ErrorType;
  /** May the same request succeed on another attempt (same or next candidate)? */
  retryable: boolean;
  /**
   * The breakers the fault counts against: only upstream faults; never the client's mistakes, the gateway's own
   * failures and refusals, nor an upstream's rate limit (see backsOff).
   */
  breaker: BreakerScope | null;
  /**
   * The upstream asked to be left alone for a while (its retry-after): the model is skipped for that long while
   * other candidates serve, and counts no failure.
   */
  backsOff?: true;
  /** A refusal by the tenant's limits: reported as `overflow: rejected` in the request log. */
  limitRefusal?: true;
}

const clientError = (status: number, type: ErrorType): ErrorTraits => ({
  status,
  type,
  retryable: false,
  breaker: null,
});
const refusal = (status: number, type: ErrorType): ErrorTraits => ({ status, type, retryable: false, breaker: null });
const upstreamFault = (status: number, breaker: BreakerScope): ErrorTraits => ({
  status,
  type: "service_error",
  retryable: true,
  breaker,
});

/**
 * Every error code, once: its HTTP status and type (the spec's ErrorCode lists the same codes), whether a retry
 * may help, and which breakers it counts against. Upstream mapping, the retry policy, the breakers and telemetry
 * all read this table.
 *
 * An unreachable or silent provider is down as a whole; one that answers 5xx or "overloaded" for one model may
 * still serve its others. A 429 is no fault: the upstream works and asks for less (a breaker opened by a burst of
 * them would refuse the model long after the upstream's own retry-after). Client errors (4xx) and the gateway's
 * own failures and refusals count against nothing.
 */
export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorTraits>> = {
  invalid_value: clientError(400, "invalid_request_error"),
  invalid_type: clientError(400, "invalid_request_error"),
  missing_required_parameter: clientError(400, "invalid_request_error"),
  unknown_parameter: clientError(400, "invalid_request_error"),
  invalid_json: clientError(400, "invalid_request_error"),
  invalid_body: clientError(400, "invalid_request_error"),
  invalid_encoding: clientError(400, "invalid_request_error"),
  no_eligible_model: clientError(400, "invalid_request_error"),
  unsupported_value: clientError(400, "invalid_request_error"),
  operation_not_supported: clientError(400, "invalid_request_error"),
  upstream_invalid_request: clientError(400, "invalid_request_error"),
  missing_api_key: clientError(401, "authentication_error"),
  invalid_api_key: clientError(401, "authentication_error"),
  no_api_keys_configured: clientError(401, "authentication_error"),
  upstream_authentication_failed: clientError(401, "authentication_error"),
  tenant_mismatch: clientError(403, "permission_error"),
  model_not_allowed: clientError(403, "permission_error"),
  upstream_permission_denied: clientError(403, "permission_error"),
  unknown_url: clientError(404, "not_found_error"),
  model_not_found: clientError(404, "not_found_error"),
  job_not_found: clientError(404, "not_found_error"),
  method_not_allowed: clientError(405, "invalid_request_error"),
  job_not_cancellable: clientError(409, "invalid_request_error"),
  request_too_large: clientError(413, "invalid_request_error"),
  unsupported_media_type: clientError(415, "invalid_request_error"),
  rate_limit_exceeded: { ...refusal(429, "rate_limit_error"), limitRefusal: true },
  queue_full: { ...refusal(429, "rate_limit_error"), limitRefusal: true },
  budget_exceeded: refusal(429, "rate_limit_error"),
  upstream_rate_limited: { status: 429, type: "rate_limit_error", retryable: true, breaker: null, backsOff: true },
  internal_error: refusal(500, "service_error"),
  upstream_error: upstreamFault(502, "model"),
  upstream_unreachable: upstreamFault(502, "provider"),
  provider_not_configured: refusal(503, "service_error"),
  server_busy: refusal(503, "service_error"),
  state_backend_unavailable: refusal(503, "service_error"),
  provider_overloaded: upstreamFault(503, "model"),
  upstream_unavailable: upstreamFault(503, "model"),
  docs_not_built: refusal(503, "service_error"),
  upstream_timeout: upstreamFault(504, "provider"),
  // Only in a queued job's `error`: why the job did not complete.
  job_expired: refusal(429, "rate_limit_error"),
  job_timeout: { status: 504, type: "service_error", retryable: true, breaker: null },
  job_attempts_exhausted: refusal(503, "service_error"),
};
