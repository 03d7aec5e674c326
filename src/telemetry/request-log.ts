import type { Logger } from "pino";
import type { Telemetry } from "./events.js";

/**
 * One JSON line per request, from its "request.end" event: who, what, where it went, how long, how much. It
 * never holds an API key or the prompt or answer text (the event has none to give).
 */
export function logRequests(telemetry: Telemetry, logger: Logger): () => void {
  return telemetry.on("request.end", (e) => {
    const level = e.status >= 500 ? "error" : e.status >= 400 && e.status !== 404 ? "warn" : "info";
    logger[level](
      {
        request_id: e.requestId,
        tenant: e.tenant,
        operation: e.operation,
        method: e.method,
        status: e.status,
        provider: e.provider,
        model: e.model,
        routing_policy: e.routingPolicy,
        latency_ms: round(e.durationMs),
        upstream_ms: e.upstreamMs === undefined ? undefined : round(e.upstreamMs),
        ttft_ms: e.timeToFirstTokenMs === undefined ? undefined : round(e.timeToFirstTokenMs),
        attempts: e.attempts,
        stream: e.stream,
        prompt_tokens: e.promptTokens,
        completion_tokens: e.completionTokens,
        cost_usd: e.costUsd,
        overflow: e.overflow,
        job_id: e.jobId,
        error_code: e.errorCode,
        ...(e.errorCause === undefined ? {} : { err: e.errorCause }),
      },
      "request",
    );
  });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
