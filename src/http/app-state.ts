import type { ParameterizedContext } from "koa";
import type { Principal } from "../tenants/tenant-directory.js";

export interface AppState {
  requestId: string;
  /** Whether the id came from the client's `x-request-id` header (then the body's `request_id` does not replace it). */
  requestIdFromHeader: boolean;
  /** Who called, once an operation that needs a key has authenticated the request. */
  principal?: Principal;
}

export type AppContext = ParameterizedContext<AppState>;
