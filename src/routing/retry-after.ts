import { GatewayError } from "../errors.js";

/** A `retry-after` value in milliseconds: delay-seconds (RFC 9110) or an HTTP date relative to `now`. */
export function parseRetryAfter(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** How long the upstream asked us to wait, in ms: `retry-after-ms` when it sent one, else `retry-after`. */
export function retryAfterMsOf(err: unknown, now: number): number | undefined {
  if (!(err instanceof GatewayError)) return undefined;
  if (err.retryAfterMs !== undefined) return err.retryAfterMs;
  return err.retryAfter === undefined ? undefined : parseRetryAfter(err.retryAfter, now);
}
