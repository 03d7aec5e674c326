import type { AddressPolicy } from "./address-policy.js";

export interface WebhookSettings extends AddressPolicy {
  /** Deliveries tried per message, the first included. */
  maxAttempts: number;
  /** The wait after the first failed attempt; it doubles per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** One attempt, connection to response headers. */
  timeoutMs: number;
}

/**
 * 5 attempts at 0.5, 1, 2, 4 s apart (each between half and all of that, jittered): about 7.5 s of retries,
 * enough to ride out a receiver's restart without holding a delivery for minutes.
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
