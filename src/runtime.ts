import { readFileSync } from "node:fs";
import { ModelDirectory } from "./catalog/model-directory.js";
import { ChatService } from "./chat/chat-service.js";
import type { Config } from "./config/schema.js";
import { HealthService } from "./health/health-service.js";
import { CircuitBreakers } from "./routing/breaker/circuit-breakers.js";
import { createBreakerStore } from "./routing/breaker/create-breaker-store.js";
import { breakerSettingsOf, buildRoutingTable, retrySettingsOf } from "./routing/build-routing-table.js";
import type { FailoverDeps } from "./routing/failover.js";
import { Router } from "./routing/router.js";
import type { RoutingTable } from "./routing/routing-table.js";
import { AdmissionGate } from "./limits/admission-gate.js";
import { createLimiter } from "./limits/create-limiter.js";
import type { Limiter } from "./limits/types.js";
import { createOverflowQueue } from "./queue/create-overflow-queue.js";
import type { OverflowQueue } from "./queue/types.js";
import { isRetryable } from "./routing/retry-policy.js";
import { createStateBackend, type StateBackend } from "./state/state-backend.js";
import { TenantDirectory } from "./tenants/tenant-directory.js";
import { WebhookSender } from "./webhooks/webhook-sender.js";
import type { Registry } from "prom-client";
import { createMetrics } from "./telemetry/metrics.js";
import { logRequests } from "./telemetry/request-log.js";
import { BudgetGuard } from "./usage/budget-guard.js";
import { RedisUsageStore } from "./usage/redis-usage-store.js";
import { utcDay } from "./usage/usage-report.js";
import { MemoryUsageStore, type UsageStore } from "./usage/usage-store.js";
import { Telemetry } from "./telemetry/events.js";
import { createLogger, type Logger } from "./telemetry/logger.js";
import { packageFile } from "./package/package-root.js";

export const VERSION: string = (JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as { version: string })
  .version;

/** Workers per tenant per process for queued jobs (each also needs a free slot of the tenant to run). */
const MAX_JOB_WORKERS_PER_TENANT = 16;

/** Everything the gateway is made of, built once at start-up from the validated config. */
export interface Runtime {
  readonly config: Config;
  logger: Logger;
  telemetry: Telemetry;
  table(): RoutingTable;
  models: ModelDirectory;
  chat: ChatService;
  health: HealthService;
  breakers: CircuitBreakers;
  state: StateBackend;
  tenants(): TenantDirectory;
  usage: UsageStore;
  metrics: Registry;
  limiter: Limiter;
  queue: OverflowQueue;
  admission: AdmissionGate;
  /** Applies a new, already validated config: routing, aliases, fallbacks, catalog, providers, retries. */
  reconfigure(config: Config): void;
  close(): Promise<void>;
}

export function createRuntime(initial: Config, logger: Logger = createLogger(initial.log_level)): Runtime {
  let config = initial;
  let table = buildRoutingTable(config);
  let tenants = new TenantDirectory(config);
  const telemetry = new Telemetry();
  const state = createStateBackend(config.redis_url);
  const limiter = createLimiter(state, {
    prefix: `${config.redis_key_prefix}limits`,
    leaseTtlMs: config.limits.lease_ttl_ms,
  });
  const queue = createOverflowQueue({ redisUrl: config.redis_url, redis: state.redis }, telemetry, {
    prefix: `${config.redis_key_prefix}overflow`,
    maxDepthPerTenant: config.tenant_defaults.max_queue_depth,
    jobTimeoutMs: config.queue.job_timeout_ms,
    maxAttempts: config.queue.max_attempts,
    resultTtlMs: config.queue.result_ttl_ms,
    maxWaitMs: config.queue.max_wait_ms,
    stallIntervalMs: config.queue.stall_interval_ms,
  });
  const webhookPolicy = () => ({
    allowLoopback: config.webhooks.allow_loopback,
    allowPrivate: config.webhooks.allow_private_networks,
    allowLinkLocal: config.webhooks.allow_link_local,
  });
  const breakers = new CircuitBreakers(
    createBreakerStore(state, breakerSettingsOf(config), config.redis_key_prefix),
    telemetry,
    {
      onStoreError: (err, operation) =>
        logger.warn({ err, operation }, "circuit breaker store failed; letting the request through"),
    },
  );
  const current = () => table;
  const failover: FailoverDeps = {
    breakers,
    telemetry,
    get retry() {
      return retrySettingsOf(config);
    },
    timeouts(provider) {
      const settings = table.providers.settings(provider);
      return { firstByteMs: settings?.firstTokenTimeoutMs ?? 60_000, totalMs: settings?.timeoutMs ?? 600_000 };
    },
  };
  const usage: UsageStore = state.redis
    ? new RedisUsageStore(state.redis, config.redis_key_prefix)
    : new MemoryUsageStore();
  telemetry.on("chat.usage", (e) => {
    usage
      .add({ ...e, day: utcDay(Date.now()) })
      .catch((err: unknown) => logger.warn({ err, tenant: e.tenant }, "usage counters not updated"));
  });
  const metrics = createMetrics({
    telemetry,
    knownModel: (model) => table.catalog.find(model) !== undefined,
    knownTenant: (tenant) => tenants.isConfigured(tenant),
    queueStats: () => queue.stats(),
    breakerStates: () => breakers.states(),
  });
  logRequests(telemetry, logger);
  const chat = new ChatService(
    new Router(current, breakers),
    failover,
    telemetry,
    new BudgetGuard(usage),
    () => table.defaultMaxTokens,
  );
  queue.startWorkers({
    tenants: () => tenants.ids(),
    runner: {
      async admit(tenantId) {
        const tenant = tenants.get(tenantId);
        if (!tenant) return undefined;
        const admission = await limiter.admit({
          tenant: tenantId,
          limits: tenant.limits,
          estimatedTokens: table.defaultMaxTokens,
        });
        return admission.admitted ? admission.lease : undefined;
      },
      async run(job, signal) {
        const tenant = tenants.get(job.tenant);
        if (!tenant) throw new Error(`tenant '${job.tenant}' is no longer configured`);
        return (await chat.complete(job.request, { requestId: job.requestId, signal, tenant })).completion;
      },
      isRetryable,
      // Queued jobs are overflow: a few at a time per process is plenty, however high the tenant's limit.
      concurrency: (tenantId) =>
        Math.min(MAX_JOB_WORKERS_PER_TENANT, tenants.get(tenantId)?.limits.maxConcurrency ?? 1),
    },
    webhooks: {
      sender: new WebhookSender(telemetry, {
        ...webhookPolicy(),
        maxAttempts: config.webhooks.max_attempts,
        baseDelayMs: config.webhooks.base_delay_ms,
      }),
      forTenant: (tenantId) => {
        const tenant = tenants.get(tenantId);
        return tenant ? { secret: tenant.webhookSecret, defaultUrl: tenant.webhookUrl } : undefined;
      },
    },
  });
  return {
    get config() {
      return config;
    },
    logger,
    telemetry,
    table: current,
    tenants: () => tenants,
    usage,
    metrics,
    limiter,
    queue,
    admission: new AdmissionGate({
      limiter,
      queue,
      defaultCompletionTokens: () => table.defaultMaxTokens,
      callbackPolicy: webhookPolicy,
      telemetry,
      onReleaseError: (err, tenant) =>
        logger.warn({ err, tenant }, "could not give a slot back; its lease will expire by itself"),
    }),
    models: new ModelDirectory(current),
    chat,
    health: new HealthService({
      version: VERSION,
      providers: () => table.providers,
      breakers,
      state,
      queue,
      startedAt: Date.now(),
    }),
    breakers,
    state,
    reconfigure(next) {
      config = next;
      table = buildRoutingTable(next);
      tenants = new TenantDirectory(next);
    },
    async close() {
      await queue.close();
      await limiter.close();
      await state.close();
    },
  };
}
