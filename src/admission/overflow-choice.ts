import { OVERFLOW_MODES } from "../config/schema.js";
import type { OverflowMode, Tenant } from "../tenants/tenant-directory.js";

/** What the client said about being over its tenant's limit. */
export interface OverflowWishes {
  /** The `x-runestone-overflow` header: wait, queue or reject. */
  header: string | undefined;
  /** The `Prefer` header (RFC 7240); `respond-async` asks for the 202 and a job. */
  prefer: string | undefined;
  /** The request names a `callback_url`: its answer is wanted at that address, not on this connection. */
  hasCallbackUrl: boolean;
}

/**
 * The overflow mode of one request: `x-runestone-overflow` when it names a mode; else `queue` when the client asked
 * for an asynchronous answer (`Prefer: respond-async`, or a `callback_url`); else the tenant's mode.
 */
export function overflowModeOf(tenant: Tenant, wishes: OverflowWishes): OverflowMode {
  const named = OVERFLOW_MODES.find((mode) => mode === wishes.header?.trim().toLowerCase());
  if (named) return named;
  if (prefersAsync(wishes.prefer) || wishes.hasCallbackUrl) return "queue";
  return tenant.overflow;
}

/** `Prefer: respond-async`, among other preferences (`Prefer: respond-async, wait=10`) or in any case. */
function prefersAsync(prefer: string | undefined): boolean {
  return (prefer ?? "")
    .split(",")
    .some((preference) => preference.split(";")[0]?.trim().toLowerCase() === "respond-async");
}
