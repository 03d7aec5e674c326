import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { BreakerState, Telemetry } from "./events.js";

export interface MetricsSources {
  telemetry: Telemetry;
  /** Labels stay bounded: a model the catalog does not know, or a tenant the config does not, becomes `other`. */
  knownModel(model: string): boolean;
  knownTenant(tenant: string): boolean;
  queueStats(): Promise<{ waiting: number; running: number; workers: number }>;
  breakerStates(): Promise<Record<string, BreakerState>>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * The Prometheus metrics of this process, fed by the telemetry events (handlers never call them). Names follow
 * Prometheus conventions and, for token usage and durations, OpenTelemetry's GenAI semantic conventions
 * (gen_ai.client.token.usage, gen_ai.client.operation.duration, gen_ai.server.time_to_first_token).
 */
export function createMetrics(sources: MetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "runestone_" });
  const model = (name: string | undefined) => (name === undefined ? "none" : sources.knownModel(name) ? name : "other");
  const tenant = (name: string | undefined) =>
    name === undefined ? "none" : sources.knownTenant(name) ? name : "other";
  const { telemetry } = sources;

  const requests = new Counter({
    name: "runestone_requests_total",
    help: "Requests served, by operation, status and provider.",
    labelNames: ["operation", "status", "provider"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "runestone_request_duration_seconds",
    help: "Time from request to the end of the response, streams included.",
    labelNames: ["operation", "provider"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const overhead = new Histogram({
    name: "runestone_gateway_overhead_seconds",
    help: "The gateway's own time per answered request: total minus the time spent waiting for upstreams.",
    labelNames: ["operation", "stream"],
    buckets: OVERHEAD_BUCKETS,
    registers: [registry],
  });
  const upstream = new Histogram({
    name: "gen_ai_client_operation_duration_seconds",
    help: "Upstream attempt duration (to the answer, or to its first byte for streams), by provider and model.",
    labelNames: ["gen_ai_system", "gen_ai_request_model", "outcome"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const ttft = new Histogram({
    name: "gen_ai_server_time_to_first_token_seconds",
    help: "Time to the first streamed chunk sent to the client.",
    labelNames: ["gen_ai_system", "gen_ai_request_model"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const tokenUsage = new Histogram({
    name: "gen_ai_client_token_usage",
    help: "Tokens per answer, by type (input, output).",
    labelNames: ["gen_ai_system", "gen_ai_request_model", "gen_ai_token_type"],
    buckets: [16, 64, 256, 1024, 4096, 16384, 65536, 262144],
    registers: [registry],
  });
  const tokens = new Counter({
    name: "runestone_tokens_total",
    help: "Tokens used, by tenant, provider, model and type (input, output).",
    labelNames: ["tenant", "provider", "model", "type"],
    registers: [registry],
  });
  const cost = new Counter({
    name: "runestone_cost_usd_total",
    help: "Cost in USD at catalog prices, by tenant, provider and model.",
    labelNames: ["tenant", "provider", "model"],
    registers: [registry],
  });
  const decisions = new Counter({
    name: "runestone_routing_decisions_total",
    help: "Routing decisions, by policy and the first candidate's provider and model.",
    labelNames: ["policy", "provider", "model"],
    registers: [registry],
  });
  const failovers = new Counter({
    name: "runestone_failovers_total",
    help: "Moves to the next candidate after a failure.",
    labelNames: ["from_provider", "to_provider"],
    registers: [registry],
  });
  const retries = new Counter({
    name: "runestone_retries_total",
    help: "Retries of the same candidate.",
    labelNames: ["provider"],
    registers: [registry],
  });
  const limitChecks = new Counter({
    name: "runestone_rate_limit_checks_total",
    help: "Admission decisions, by tenant and result (allowed, queued, rejected).",
    labelNames: ["tenant", "result"],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: "runestone_inflight_requests",
    help: "Requests (chat, messages, embeddings) holding a slot in this process, by tenant.",
    labelNames: ["tenant"],
    registers: [registry],
  });
  const waiting = new Gauge({
    name: "runestone_waiting_requests",
    help: "Requests over their tenant's limit waiting on their connection for a slot in this process, by tenant.",
    labelNames: ["tenant"],
    registers: [registry],
  });
  const slotWait = new Histogram({
    name: "runestone_slot_wait_seconds",
    help: "How long a request waited for a slot, by tenant and outcome (admitted, timed_out, abandoned, failed).",
    labelNames: ["tenant", "outcome"],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const jobs = new Counter({
    name: "runestone_queue_jobs_total",
    help: "Overflow job events, by tenant and outcome.",
    labelNames: ["tenant", "outcome"],
    registers: [registry],
  });
  const jobWait = new Histogram({
    name: "runestone_queue_job_wait_seconds",
    help: "Time a job waited in the queue before it started.",
    labelNames: ["tenant"],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
  const transitions = new Counter({
    name: "runestone_circuit_breaker_transitions_total",
    help: "Circuit breaker transitions, by breaker and new state.",
    labelNames: ["breaker", "to"],
    registers: [registry],
  });
  const webhooks = new Counter({
    name: "runestone_webhook_deliveries_total",
    help: "Webhook delivery attempts, by outcome.",
    labelNames: ["outcome"],
    registers: [registry],
  });

  new Gauge({
    name: "runestone_queue_depth",
    help: "Jobs waiting in the overflow queue (with Redis: all replicas).",
    registers: [registry],
    async collect() {
      this.set((await sources.queueStats()).waiting);
    },
  });
  new Gauge({
    name: "runestone_queue_running_jobs",
    help: "Overflow jobs this process is running.",
    registers: [registry],
    async collect() {
      this.set((await sources.queueStats()).running);
    },
  });
  new Gauge({
    name: "runestone_circuit_breaker_state",
    help: "Circuit breaker state: 0 closed, 1 half-open, 2 open. Breakers are per provider and per provider:model.",
    labelNames: ["breaker"],
    registers: [registry],
    async collect() {
      this.reset();
      const states = await sources.breakerStates().catch(() => ({}) as Record<string, BreakerState>);
      for (const [breaker, state] of Object.entries(states)) this.set({ breaker }, BREAKER_VALUE[state]);
    },
  });

  telemetry.on("request.end", (e) => {
    requests.inc({ operation: e.operation, status: String(e.status), provider: e.provider ?? "none" });
    duration.observe({ operation: e.operation, provider: e.provider ?? "none" }, e.durationMs / 1000);
    if (e.upstreamMs !== undefined)
      overhead.observe(
        { operation: e.operation, stream: String(e.stream === true) },
        Math.max(0, e.durationMs - e.upstreamMs) / 1000,
      );
    if (e.timeToFirstTokenMs !== undefined && e.provider)
      ttft.observe({ gen_ai_system: e.provider, gen_ai_request_model: model(e.model) }, e.timeToFirstTokenMs / 1000);
  });
  telemetry.on("upstream.attempt", (e) =>
    upstream.observe(
      { gen_ai_system: e.provider, gen_ai_request_model: model(e.model), outcome: e.outcome },
      e.durationMs / 1000,
    ),
  );
  telemetry.on("answer.usage", (e) => {
    const labels = { tenant: tenant(e.tenant), provider: e.provider, model: model(e.model) };
    tokens.inc({ ...labels, type: "input" }, e.promptTokens);
    tokens.inc({ ...labels, type: "output" }, e.completionTokens);
    cost.inc(labels, e.costUsd);
    tokenUsage.observe(
      { gen_ai_system: e.provider, gen_ai_request_model: labels.model, gen_ai_token_type: "input" },
      e.promptTokens,
    );
    tokenUsage.observe(
      { gen_ai_system: e.provider, gen_ai_request_model: labels.model, gen_ai_token_type: "output" },
      e.completionTokens,
    );
  });
  telemetry.on("routing.decision", (e) =>
    decisions.inc({ policy: e.policy, provider: e.provider, model: model(e.model) }),
  );
  telemetry.on("routing.failover", (e) => failovers.inc({ from_provider: e.fromProvider, to_provider: e.toProvider }));
  telemetry.on("routing.retry", (e) => retries.inc({ provider: e.provider }));
  telemetry.on("limits.check", (e) => limitChecks.inc({ tenant: tenant(e.tenant), result: e.result }));
  telemetry.on("limits.slot", (e) => inFlight.inc({ tenant: tenant(e.tenant) }, e.delta));
  telemetry.on("limits.waiting", (e) => waiting.inc({ tenant: tenant(e.tenant) }, e.delta));
  telemetry.on("limits.wait", (e) =>
    slotWait.observe({ tenant: tenant(e.tenant), outcome: e.outcome }, e.waitMs / 1000),
  );
  telemetry.on("queue.job", (e) => {
    jobs.inc({ tenant: tenant(e.tenant), outcome: e.outcome });
    if (e.outcome === "started" && e.waitMs !== undefined)
      jobWait.observe({ tenant: tenant(e.tenant) }, e.waitMs / 1000);
  });
  telemetry.on("breaker.transition", (e) => transitions.inc({ breaker: e.key, to: e.to }));
  telemetry.on("webhook.delivery", (e) => webhooks.inc({ outcome: e.outcome }));
  return registry;
}
