import type { Next } from "koa";
import { GatewayError } from "../errors.js";
import type { AppContext } from "../http/app-state.js";
import { ClientAbortedError } from "../providers/upstream-error.js";
import type { Logger } from "../telemetry/logger.js";

/** Errors of the body parser (http-errors from co-body / raw-body) carry a status and a `type`. */
interface HttpLikeError {
  status?: number;
  type?: string;
  message?: string;
}

function fromBodyParserError(err: HttpLikeError): GatewayError | undefined {
  // co-body reports JSON it cannot parse as a SyntaxError with status 400 and no type.
  if (err.status === 400 && err instanceof SyntaxError) {
    return new GatewayError({
      status: 400,
      type: "invalid_request_error",
      code: "invalid_json",
      message: `We could not parse the JSON body of your request: ${err.message}. Send a JSON object.`,
    });
  }
  switch (err.type) {
    case "entity.too.large":
      return new GatewayError({
        status: 413,
        type: "invalid_request_error",
        code: "request_too_large",
        message: "The request body is larger than this gateway accepts (server.body_limit).",
      });
    case "entity.parse.failed":
      return new GatewayError({
        status: 400,
        type: "invalid_request_error",
        code: "invalid_json",
        message: `We could not parse the JSON body of your request: ${err.message ?? "malformed JSON"}. Send valid JSON.`,
      });
    case "encoding.unsupported":
    case "charset.unsupported":
      return new GatewayError({
        status: 415,
        type: "invalid_request_error",
        code: "unsupported_media_type",
        message: "The request body must be JSON encoded as UTF-8.",
      });
    case "request.size.invalid":
      return new GatewayError({
        status: 400,
        type: "invalid_request_error",
        code: "invalid_body",
        message: "The request body is shorter or longer than its Content-Length.",
      });
    default:
      return undefined;
  }
}

/** Every failure leaves as the OpenAI error shape; a 500 means a bug of ours and is logged with its stack. */
export function errorHandler(logger: Logger) {
  return async function handleErrors(ctx: AppContext, next: Next): Promise<void> {
    try {
      await next();
    } catch (caught) {
      if (caught instanceof ClientAbortedError || (caught as HttpLikeError).type === "request.aborted") {
        ctx.respond = false;
        if (!ctx.res.writableEnded) ctx.res.end();
        return;
      }
      const error = caught instanceof GatewayError ? caught : fromBodyParserError(caught as HttpLikeError);
      if (ctx.headerSent) {
        logger.error({ err: caught, request_id: ctx.state.requestId }, "error after the response started");
        return;
      }
      if (error) {
        ctx.status = error.status;
        ctx.body = error.toBody();
        ctx.set(error.headers);
        if (error.retryAfter !== undefined) ctx.set("retry-after", error.retryAfter);
        return;
      }
      logger.error({ err: caught, request_id: ctx.state.requestId }, "unhandled error");
      ctx.status = 500;
      ctx.body = new GatewayError({
        status: 500,
        type: "service_error",
        code: "internal_error",
        message: `Internal error; quote request id ${ctx.state.requestId} when reporting it.`,
      }).toBody();
    }
  };
}
