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
import { createStateBackend, type StateBackend } from "./state/state-backend.js";
import { Telemetry } from "./telemetry/events.js";
import { createLogger, type Logger } from "./telemetry/logger.js";

export const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

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
  /** Applies a new, already validated config: routing, aliases, fallbacks, catalog, providers, retries. */
  reconfigure(config: Config): void;
  close(): Promise<void>;
}

export function createRuntime(initial: Config, logger: Logger = createLogger(initial.log_level)): Runtime {
  let config = initial;
  let table = buildRoutingTable(config);
  const telemetry = new Telemetry();
  const state = createStateBackend(config.redis_url);
  const breakers = new CircuitBreakers(createBreakerStore(state, breakerSettingsOf(config), config.redis_key_prefix), telemetry, {
    onStoreError: (err, operation) => logger.warn({ err, operation }, "circuit breaker store failed; letting the request through"),
  });
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
  return {
    get config() {
      return config;
    },
    logger,
    telemetry,
    table: current,
    models: new ModelDirectory(current),
    chat: new ChatService(new Router(current, breakers), failover, telemetry),
    health: new HealthService({ version: VERSION, providers: () => table.providers, breakers, state, startedAt: Date.now() }),
    breakers,
    state,
    reconfigure(next) {
      config = next;
      table = buildRoutingTable(next);
    },
    close: () => state.close(),
  };
}
