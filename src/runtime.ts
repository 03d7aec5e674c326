import { readFileSync } from "node:fs";
import { ModelDirectory } from "./catalog/model-directory.js";
import { ChatPipeline } from "./chat/chat-pipeline.js";
import { chatJobRunner } from "./chat/job-runner.js";
import type { Config } from "./config/schema.js";
import { HealthService } from "./health/health-service.js";
import { CircuitBreakers } from "./routing/breaker/circuit-breakers.js";
import { createBreakerStore } from "./routing/breaker/create-breaker-store.js";
import { breakerSettingsOf, buildRoutingTable, retrySettingsOf } from "./routing/build-routing-table.js";
import type { FailoverDeps } from "./routing/failover.js";
import { Router } from "./routing/router.js";
import type { RoutingTable } from "./routing/routing-table.js";
import { AdmissionGate } from "./admission/admission-gate.js";
import { TenantSlots } from "./admission/slots.js";
import { createLimiter } from "./limits/create-limiter.js";
import type { Limiter } from "./limits/types.js";
import { createOverflowQueue } from "./queue/create-overflow-queue.js";
import type { OverflowQueue } from "./queue/types.js";
import { redisKeys } from "./state/redis-keys.js";
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

export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Everything the gateway is made of, built once at start-up from the validated config. */
export interface Runtime {
  readonly config: Config;
  logger: Logger;
  telemetry: Telemetry;
  table(): RoutingTable;
  models: ModelDirectory;
  chat: ChatPipeline;
  health: HealthService;
  breakers: CircuitBreakers;
  state: StateBackend;
  tenants(): TenantDirectory;
  usage: UsageStore;
  metrics: Registry;
  limiter: Limiter;
  queue: OverflowQueue;
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
  const keys = redisKeys(config.redis_key_prefix);
  const limiter = createLimiter(state, keys.limits, { leaseTtlMs: config.limits.lease_ttl_ms });
  const queueBackend = config.redis_url ? { redisUrl: config.redis_url, redis: state.redis, keys: keys.queue } : {};
  const queue = createOverflowQueue(queueBackend, telemetry, {
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
  const breakers = new CircuitBreakers(createBreakerStore(state, keys.breakers, breakerSettingsOf(config)), telemetry, {
    onStoreError: (err, operation) =>
      logger.warn({ err, operation }, "circuit breaker store failed; letting the request through"),
  });
  const current = () => table;
  const failover: FailoverDeps = {
    breakers,
    telemetry,
    retry: () => retrySettingsOf(config),
    timeouts(provider) {
      const settings = table.providers.settings(provider);
      return { firstByteMs: settings?.firstTokenTimeoutMs ?? 60_000, totalMs: settings?.timeoutMs ?? 600_000 };
    },
  };
  const usage: UsageStore = state.redis ? new RedisUsageStore(state.redis, keys.usage) : new MemoryUsageStore();
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
  const slots = new TenantSlots({
    limiter,
    telemetry,
    defaultCompletionTokens: () => table.defaultMaxTokens,
    onReleaseError: (err, tenant) =>
      logger.warn({ err, tenant }, "could not give a slot back; its lease will expire by itself"),
  });
  const chat = new ChatPipeline({
    admission: new AdmissionGate({ slots, queue, callbackPolicy: webhookPolicy, telemetry }),
    router: new Router(current, breakers),
    failover,
    budgets: new BudgetGuard(usage),
    telemetry,
    defaultMaxTokens: () => table.defaultMaxTokens,
  });
  queue.startWorkers({
    tenants: () => tenants.ids(),
    runner: chatJobRunner(chat, slots, () => tenants),
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
