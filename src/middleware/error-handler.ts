import type { Next } from "koa";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import { ClientAbortedError } from "../errors/client-aborted.js";

/** The body reader (raw-body) reports a client that left mid-body with this `type`. */
interface HttpLikeError {
  type?: string;
}

/**
 * Every failure leaves as the OpenAI error shape. Anything that is not a GatewayError is a bug of ours: a 500
 * `internal_error` whose cause (with its stack) goes to the request's log line, as every error's cause does.
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
        : new GatewayError(
            "internal_error",
            `Internal error; quote request id ${ctx.state.requestId} when reporting it.`,
            {
              cause: caught,
            },
          );
    ctx.state.failure = error;
    if (ctx.headerSent) return;
    ctx.status = error.status;
    ctx.body = error.toBody();
    ctx.set(error.responseHeaders());
  }
}
