import type { Next } from "koa";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import { ClientAbortedError } from "../errors/client-aborted.js";
import { errorBodyFor } from "../http/error-body.js";

/** Errors of the body parser (http-errors from co-body / raw-body) carry a status and a `type`. */
interface HttpLikeError {
  status?: number;
  type?: string;
  message?: string;
}

function fromBodyParserError(err: HttpLikeError): GatewayError | undefined {
  // co-body reports JSON it cannot parse as a SyntaxError with status 400 and no type.
  if (err.status === 400 && err instanceof SyntaxError) {
    return new GatewayError(
      "invalid_json",
      `We could not parse the JSON body of your request: ${err.message}. Send a JSON object.`,
    );
  }
  switch (err.type) {
    case "entity.too.large":
      return new GatewayError(
        "request_too_large",
        "The request body is larger than this gateway accepts (server.body_limit).",
      );
    case "entity.parse.failed":
      return new GatewayError(
        "invalid_json",
        `We could not parse the JSON body of your request: ${err.message ?? "malformed JSON"}. Send valid JSON.`,
      );
    case "encoding.unsupported":
    case "charset.unsupported":
      return new GatewayError("unsupported_media_type", "The request body must be JSON encoded as UTF-8.");
    case "request.size.invalid":
      return new GatewayError("invalid_body", "The request body is shorter or longer than its Content-Length.");
    default:
      return undefined;
  }
}

/**
 * Every failure leaves in the error shape of the client's API (errorBodyFor). Anything that is not a GatewayError is
 * a bug of ours: a 500 `internal_error` whose cause (with its stack) goes to the request's log line, as every error's
 * cause does.
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
        : (fromBodyParserError(caught as HttpLikeError) ??
          new GatewayError(
            "internal_error",
            `Internal error; quote request id ${ctx.state.requestId} when reporting it.`,
            {
              cause: caught,
            },
          ));
    ctx.state.failure = error;
    if (ctx.headerSent) return;
    ctx.status = error.status;
    ctx.body = errorBodyFor(ctx, error);
    ctx.set(error.responseHeaders());
  }
}
