import { GatewayError } from "../errors.js";

/** Refusals of the gateway itself, not upstream faults: trying again soon changes nothing. */
const GATEWAY_SIDE_CODES = new Set([
  "provider_not_configured",
  "internal_error",
  "budget_exceeded",
  "all_providers_unavailable",
  "model_not_allowed",
]);

/**
 * May the same request succeed if sent again? Yes for upstream faults: unreachable or reset (502
 * upstream_unreachable / upstream_error), timeouts (504), rate limits (429), overload (503, Anthropic's 529)
 * and other 5xx. No for 4xx (the request itself is at fault), for client aborts (nobody is waiting) and for
 * anything that is not a GatewayError (callers pass toGatewayError()'s result; anything else is a bug here).
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof GatewayError)) return false;
  if (err.code !== null && GATEWAY_SIDE_CODES.has(err.code)) return false;
  return err.status === 429 || err.status >= 500;
}
