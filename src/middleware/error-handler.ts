import type { Next } from "koa";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import { ClientAbortedError } from "../errors/client-aborted.js";
import { ownFailure } from "../errors/own-failure.js";
import { errorBodyFor } from "../http/error-body.js";

/** The body reader (raw-body) reports a client that left mid-body with this `type`. */
interface HttpLikeError {
  type?: string;
}

/**
 * Every failure leaves in the error shape of the client's API (errorBodyFor). Anything that is not a GatewayError
 * is the gateway's own failure (see ownFailure): a 500 `internal_error` unless the request's nesting caused it; its
 * cause (with its stack) goes to the request's log line, as every error's cause does.
 */
export async function errorHandler(ctx: AppContext, next: Next): Promise<void> {
  try {
    await next();
  } catch (caught) {
    if (caught instanceof ClientAbortedError || (caught as HttpLikeError).type === "request.aborted") {
      ctx.respond = false;
      if (!ctx.res.writableEnded) ctx.res.end();
      return;
    }
    const error =
      caught instanceof GatewayError
        ? caught
        : ownFailure(caught, `Internal error; quote request id ${ctx.state.requestId} when reporting it.`);
    ctx.state.failure = error;
    if (ctx.headerSent) return;
    ctx.status = error.status;
    ctx.body = errorBodyFor(ctx, error);
    ctx.set(error.responseHeaders());
  }
}
