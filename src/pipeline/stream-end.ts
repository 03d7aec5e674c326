import { GatewayError } from "../errors/gateway-error.js";

/** How an event stream ended: whole, or with the error its last event carries. */
export interface StreamEnd {
  failure?: GatewayError;
}

/** The error a stream's last event tells: a GatewayError as it is, anything else as a bug of ours. */
export function streamFailure(err: unknown, requestId: string): GatewayError {
  return err instanceof GatewayError
    ? err
    : new GatewayError("internal_error", `Internal error; quote request id ${requestId} when reporting it.`, {
        cause: err,
      });
}
