import type { Next } from "koa";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import type { Telemetry } from "../telemetry/events.js";

/**
 * Emits one "request.end" event per request, whatever its outcome, from what the handlers noted in
 * `ctx.state.summary` and the error it ended with (`ctx.state.failure`); the request log and the metrics
 * subscribe to it. Sits outside the error handler, so it sees the status the client got. For streams the handler
 * awaits the whole stream, so the end is the real end.
 */
export function requestTelemetry(telemetry: Telemetry) {
  return async function observe(ctx: AppContext, next: Next): Promise<void> {
    ctx.state.startedAt = performance.now();
    ctx.state.summary = {};
    try {
      await next();
    } finally {
      const { summary, failure } = ctx.state;
      const error = failure instanceof GatewayError ? failure : undefined;
      telemetry.emit("request.end", {
        ...summary,
        requestId: ctx.state.requestId,
        operation: summary.operation ?? "unknown",
        method: ctx.method,
        // A client that left before its answer gets none; 499 is nginx's name for that.
        status: summary.clientClosed ? 499 : ctx.status,
        durationMs: performance.now() - ctx.state.startedAt,
        ...(error
          ? {
              errorCode: error.code,
              errorCause: error.status >= 500 ? error.cause : undefined,
              overflow: summary.overflow ?? (error.traits.limitRefusal ? "rejected" : undefined),
            }
          : {}),
      });
    }
  };
}
