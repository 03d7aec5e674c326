import type { Next } from "koa";
import type { AppContext } from "../http/app-state.js";
import type { Telemetry } from "../telemetry/events.js";

const OVERFLOW_CODES: Record<string, "rejected"> = { rate_limit_exceeded: "rejected", queue_full: "rejected" };

/**
 * Emits one "request.end" event per request, whatever its outcome, from what the handlers noted in
 * `ctx.state.summary`; the request log and the metrics subscribe to it. Sits outside the error handler, so it
 * sees the status the client got. For streams the handler awaits the whole stream, so the end is the real end.
 */
export function requestTelemetry(telemetry: Telemetry) {
  return async function observe(ctx: AppContext, next: Next): Promise<void> {
    ctx.state.startedAt = performance.now();
    ctx.state.summary = {};
    try {
      await next();
    } finally {
      const summary = ctx.state.summary;
      const errorCode = ctx.status >= 400 ? errorCodeOf(ctx.body) : undefined;
      telemetry.emit("request.end", {
        ...summary,
        requestId: ctx.state.requestId,
        operation: summary.operation ?? "unknown",
        method: ctx.method,
        // A client that left before its answer gets none; 499 is nginx's name for that.
        status: summary.clientClosed ? 499 : ctx.status,
        durationMs: performance.now() - ctx.state.startedAt,
        ...(errorCode ? { errorCode, overflow: summary.overflow ?? OVERFLOW_CODES[errorCode] } : {}),
      });
    }
  };
}

function errorCodeOf(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === "string" ? code : undefined;
}
