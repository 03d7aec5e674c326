// npm run bench:telemetry — what metrics and the request log cost per chat request on the hot path: the telemetry
// events one request emits, with and without the Prometheus and log subscribers (log lines written to /dev/null).
import { pino } from "pino";
import { Telemetry } from "../src/telemetry/events.js";
import { createMetrics } from "../src/telemetry/metrics.js";
import { logRequests } from "../src/telemetry/request-log.js";

const N = Number(process.env.BENCH_REQUESTS ?? 200_000);

function oneRequest(telemetry: Telemetry, i: number): void {
  const requestId = `req_${i}`;
  telemetry.emit("limits.check", { tenant: "acme", result: "allowed" });
  telemetry.emit("limits.slot", { tenant: "acme", delta: 1 });
  telemetry.emit("routing.decision", {
    requestId,
    policy: "default",
    provider: "openai",
    model: "gpt-4o-mini",
    candidates: 2,
  });
  telemetry.emit("upstream.attempt", {
    requestId,
    provider: "openai",
    model: "gpt-4o-mini",
    attempt: 1,
    outcome: "success",
    durationMs: 120,
  });
  telemetry.emit("answer.usage", {
    requestId,
    tenant: "acme",
    operation: "chat",
    provider: "openai",
    model: "gpt-4o-mini",
    promptTokens: 40,
    completionTokens: 120,
    costUsd: 0.000078,
    estimated: false,
  });
  telemetry.emit("limits.slot", { tenant: "acme", delta: -1 });
  telemetry.emit("request.end", {
    requestId,
    operation: "createChatCompletion",
    method: "POST",
    status: 200,
    durationMs: 123.4,
    tenant: "acme",
    provider: "openai",
    model: "gpt-4o-mini",
    routingPolicy: "default",
    attempts: 1,
    upstreamMs: 120.1,
    stream: false,
    promptTokens: 40,
    completionTokens: 120,
    costUsd: 0.000078,
  });
}

function measure(label: string, telemetry: Telemetry): number {
  for (let i = 0; i < 20_000; i++) oneRequest(telemetry, i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) oneRequest(telemetry, i);
  const perRequestUs = Number(process.hrtime.bigint() - started) / N / 1000;
  console.log(`${label.padEnd(40)} ${perRequestUs.toFixed(2).padStart(7)} µs per request`);
  return perRequestUs;
}

const bare = measure("events, no subscribers", new Telemetry());
const withMetrics = new Telemetry();
createMetrics({
  telemetry: withMetrics,
  knownModel: () => true,
  knownTenant: () => true,
  queueStats: async () => ({ waiting: 0, running: 0, workers: 1 }),
  breakerStates: async () => ({}),
});
const metricsOnly = measure("events + Prometheus metrics", withMetrics);
const withBoth = new Telemetry();
createMetrics({
  telemetry: withBoth,
  knownModel: () => true,
  knownTenant: () => true,
  queueStats: async () => ({ waiting: 0, running: 0, workers: 1 }),
  breakerStates: async () => ({}),
});
logRequests(withBoth, pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: true })));
const both = measure("events + metrics + request log line", withBoth);
console.log(
  `\nmetrics add ${(metricsOnly - bare).toFixed(2)} µs, the log line ${(both - metricsOnly).toFixed(2)} µs per request`,
);
