import { GatewayError } from "./gateway-error.js";

/**
 * The GatewayError for whatever else was thrown while serving a request: the gateway's own failure, never an
 * upstream's. Only recursion over the request's own nesting can exhaust the stack (serialising or walking a body
 * nested thousands deep), so that request is refused as the client's mistake; anything else is a bug of ours,
 * a 500 whose cause the request's log line keeps.
 */
export function ownFailure(err: unknown, bugMessage: string): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new GatewayError("invalid_body", "The request is nested too deeply to be handled; flatten it.", {
      cause: err,
    });
  }
  return new GatewayError("internal_error", bugMessage, { cause: err });
}
