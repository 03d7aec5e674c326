import { GatewayError } from "../errors.js";

/**
 * Which circuit breakers an upstream failure counts against. A provider that cannot be reached or does not
 * answer in time is down as a whole; a provider that answers 5xx, 429 or overloaded for one model may still
 * serve its others, so those count against that model only. Client errors (4xx) and our own refusals count
 * against nothing.
 */
export function faultScope(err: unknown): "provider" | "model" | undefined {
  if (!(err instanceof GatewayError)) return undefined;
  if (err.code === "upstream_unreachable" || err.code === "upstream_timeout") return "provider";
  if (err.code === "provider_not_configured" || err.code === "internal_error") return undefined;
  if (err.status === 429 || err.status >= 500) return "model";
  return undefined;
}
