import type { AddressPolicy } from "./address-policy.js";

export interface WebhookSettings extends AddressPolicy {
  /** Deliveries tried per message, the first included. */
  maxAttempts: number;
  /** The wait after the first failed attempt is drawn from [0, baseDelayMs); the range doubles per attempt. */
  baseDelayMs: number;
  /** The longest wait, a receiver's retry-after included. */
  maxDelayMs: number;
  /** One attempt, connection to response headers. */
  timeoutMs: number;
}

/**
 * 5 attempts, up to 0.5, 1, 2, 4 s apart (full jitter): at most 7.5 s of retries (half that on average), for a
 * receiver's brief outage, without holding a delivery for minutes.
 */
export const DEFAULT_WEBHOOK_SETTINGS: Readonly<WebhookSettings> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  timeoutMs: 10_000,
  allowPrivate: false,
  allowLoopback: false,
  allowLinkLocal: false,
});
