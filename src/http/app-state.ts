import type { ParameterizedContext } from "koa";
import type { RequestSummary } from "../telemetry/events.js";
import type { Principal } from "../tenants/tenant-directory.js";

export interface AppState {
  requestId: string;
  /** Whether the id came from the client's `x-request-id` header (then the body's `request_id` does not replace it). */
  requestIdFromHeader: boolean;
  /** Who called, once an operation that needs a key has authenticated the request. */
  principal?: Principal;
  /**
   * A security scheme verified a secret the request carries (an API key, the metrics token). Requests without
   * one (open mode) read their bodies within server.unauthenticated_body_budget.
   */
  credentialed?: true;
  /** When the request arrived (performance.now()). */
  startedAt: number;
  /** The error the request ended with (answered, or sent as a stream's last event), for its log line. */
  failure?: unknown;
  /** What handlers learn about the request, for its log line and metrics (see middleware/request-telemetry.ts). */
  summary: Partial<RequestSummary>;
}

export type AppContext = ParameterizedContext<AppState>;
