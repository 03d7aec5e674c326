import type { ParameterizedContext } from "koa";

export interface AppState {
  requestId: string;
  /** Whether the id came from the client's `x-request-id` header (then the body's `request_id` does not replace it). */
  requestIdFromHeader: boolean;
}

export type AppContext = ParameterizedContext<AppState>;
