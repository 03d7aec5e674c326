import type { Config } from "../config/schema.js";
import type { AddressPolicy } from "./address-policy.js";

/** webhooks.* (the reasons for its defaults are next to them, in src/config/schema.ts), plus two fixed bounds. */
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

/** Not configuration: no wait between two deliveries is longer, whatever the receiver's retry-after. */
const MAX_DELAY_MS = 30_000;
/** Not configuration: a receiver that has not answered one attempt in this long is tried again later. */
const ATTEMPT_TIMEOUT_MS = 10_000;

export function webhookSettingsOf(config: Config): WebhookSettings {
  const w = config.webhooks;
  return {
    allowLoopback: w.allow_loopback,
    allowPrivate: w.allow_private_networks,
    allowLinkLocal: w.allow_link_local,
    maxAttempts: w.max_attempts,
    baseDelayMs: w.base_delay_ms,
    maxDelayMs: MAX_DELAY_MS,
    timeoutMs: ATTEMPT_TIMEOUT_MS,
  };
}
