import type { Registry } from "prom-client";
import { redactUrl } from "./cli.js";
import { AdmissionGate } from "./admission/admission-gate.js";
import { SlotWaiters } from "./admission/slot-waiters.js";
import { TenantSlots } from "./admission/slots.js";
import { ModelDirectory } from "./catalog/model-directory.js";
import { ModelDiscovery } from "./catalog/model-discovery.js";
import type { LiveConfig, Snapshot } from "./config-snapshot.js";
import type { RestartOnlyKey, StartupConfig } from "./config/restart-only.js";
import type { Config } from "./config/schema.js";
import { HealthService } from "./health/health-service.js";
import { createLimiter } from "./limits/create-limiter.js";
import type { Limiter } from "./limits/types.js";
import { pipelineJobRunner } from "./operations/job-runner.js";
import { Pipeline } from "./pipeline/pipeline.js";
import { createOverflowQueue } from "./queue/create-overflow-queue.js";
import type { OverflowQueue } from "./queue/types.js";
import { CircuitBreakers } from "./routing/breaker/circuit-breakers.js";
import { createBreakerStore } from "./routing/breaker/create-breaker-store.js";
import { discoveringTable } from "./routing/discovering-table.js";
import { Router } from "./routing/router.js";
import { attemptTimeoutsOf } from "./routing/routing-table.js";
import { redisKeys } from "./state/redis-keys.js";
import { createStateBackend, type StateBackend } from "./state/state-backend.js";
import { Telemetry } from "./telemetry/events.js";
import type { Logger } from "./telemetry/logger.js";
import { createMetrics } from "./telemetry/metrics.js";
import { logRequests } from "./telemetry/request-log.js";
import { BudgetGuard } from "./usage/budget-guard.js";
import { createUsageStore, recordUsage } from "./usage/record-usage.js";
import type { UsageStore } from "./usage/usage-store.js";
import { WebhookSender } from "./webhooks/webhook-sender.js";
import { VERSION } from "./package/version.js";

/** Everything the gateway is made of, wired once at start-up; the configuration it reads is the live snapshot. */
export interface Runtime {
  /** The configuration snapshot in force: call it where a value is used, never keep what it returns. */
  snapshot(): Snapshot;
  /** The restart-only keys as start-up read them. */
  readonly startup: StartupConfig;
  logger: Logger;
  telemetry: Telemetry;
  models: ModelDirectory;
  /** The model lists of OpenAI-compatible hosts (start() reads them first, then keeps them fresh). */
  discovery: ModelDiscovery;
  /** Chat, messages and embeddings requests, from admission to their answers. */
  pipeline: Pipeline;
  health: HealthService;
  breakers: CircuitBreakers;
  state: StateBackend;
  usage: UsageStore;
  metrics: Registry;
  limiter: Limiter;
  queue: OverflowQueue;
  /** Swaps in an already validated config; returns the restart-only keys it changes (applied at the next start). */
  reconfigure(config: Config): RestartOnlyKey[];
  close(): Promise<void>;
}

/** Wiring only: what each component is, and where it reads the configuration from. */
export function createRuntime(live: LiveConfig, logger: Logger): Runtime {
  return live.startUp(() => wire(live, logger));
}

function wire(live: LiveConfig, logger: Logger): Runtime {
  const { startup, current } = live;
  const discovery = new ModelDiscovery({
    sources: () => current().table.providers.modelSources(),
    settings: () => {
      const { refresh_ms, timeout_ms } = current().config.model_discovery;
      return { refreshMs: refresh_ms, timeoutMs: timeout_ms };
    },
    events: {
      onFailure: ({ provider, endpoint }, reason, kept) =>
        logger.warn(
          { provider, base_url: endpoint, reason },
          `could not read the models of provider '${provider}' (GET ${endpoint}/models): ${reason}; ` +
            (kept > 0 ? `keeping the ${kept} models it listed last` : "listing its configured models only"),
        ),
      onRecovery: ({ provider, endpoint }, models) =>
        logger.info({ provider, base_url: endpoint, models }, `provider '${provider}' lists its models again`),
    },
    describeFailure: (err) => (err instanceof Error ? err.message : String(err)).replace(/\.$/, ""),
  });
  const table = discoveringTable(current, discovery);
  const tenants = () => current().tenants;
  const telemetry = new Telemetry();
  const redisUrl = startup.get("redis_url");
  const state = createStateBackend(redisUrl);
  const keys = redisKeys(startup.get("redis_key_prefix"));
  const limiter = createLimiter(state, { keys: keys.limits, timing: () => current().lease });
  const stallIntervalMs = startup.get("queue.stall_interval_ms");
  const queue = createOverflowQueue(
    redisUrl === undefined ? {} : { redisUrl, redis: state.redis, keys: keys.queue, stallIntervalMs },
    telemetry,
    () => current().queue,
  );
  const breakers = new CircuitBreakers(createBreakerStore(state, keys.breakers), telemetry, {
    settings: () => current().breaker,
    onStoreError: (err, operation) =>
      logger.warn({ err, operation }, "circuit breaker store failed; letting the request through"),
  });
  telemetry.on("queue.error", (e) =>
    logger.warn({ tenant: e.tenant, reason: e.message }, "overflow queue: a Redis operation failed"),
  );
  const usage = createUsageStore(state, keys.usage);
  recordUsage(telemetry, usage, logger);
  logRequests(telemetry, logger);
  const waiters = new SlotWaiters(telemetry);
  const slots = new TenantSlots({
    limiter,
    telemetry,
    onReleaseError: (err, tenant) =>
      logger.warn({ err, tenant }, "could not give a slot back; its lease will expire by itself"),
    onReleased: (tenant) => waiters.wake(tenant),
  });
  const defaultMaxTokens = () => table().defaultMaxTokens;
  const pipeline = new Pipeline({
    admission: new AdmissionGate({ slots, waiters, queue, callbackPolicy: () => current().webhooks, telemetry }),
    router: new Router(table, breakers),
    failover: {
      breakers,
      telemetry,
      retry: () => current().retry,
      timeouts: (provider) => attemptTimeoutsOf(table(), provider),
    },
    budgets: new BudgetGuard(usage),
    telemetry,
    defaultMaxTokens,
  });
  queue.startWorkers({
    tenants: () => tenants().ids(),
    runner: pipelineJobRunner({ pipeline, slots, tenants, defaultMaxTokens }),
    webhooks: {
      sender: new WebhookSender(telemetry, () => current().webhooks),
      forTenant: (tenantId) => {
        const tenant = tenants().get(tenantId);
        return tenant ? { secret: tenant.webhookSecret, defaultUrl: tenant.webhookUrl } : undefined;
      },
    },
  });
  return {
    snapshot: current,
    startup,
    logger,
    telemetry,
    usage,
    metrics: createMetrics({
      telemetry,
      knownModel: (model) => table().catalog.find(model) !== undefined,
      knownTenant: (tenant) => tenants().isConfigured(tenant),
      queueStats: () => queue.stats(),
      breakerStates: () => breakers.states(),
    }),
    limiter,
    queue,
    models: new ModelDirectory(table),
    discovery,
    pipeline,
    health: new HealthService({
      version: VERSION,
      providers: () => table().providers,
      breakers,
      state,
      ...(redisUrl !== undefined ? { stateAddress: redactUrl(redisUrl) } : {}),
      queue,
      waitingRequests: () => waiters.counts(),
      startedAt: Date.now(),
    }),
    breakers,
    state,
    reconfigure(config) {
      const { previous, restartNeeded } = live.apply(config);
      if (config.log_level !== previous.config.log_level) logger.level = config.log_level;
      void discovery.refresh();
      return restartNeeded;
    },
    async close() {
      discovery.stop();
      await queue.close();
      await limiter.close();
      await state.close();
    },
  };
}
