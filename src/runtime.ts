import { readFileSync } from "node:fs";
import { BUILTIN_MODELS } from "./catalog/builtin-models.js";
import type { CatalogEntry } from "./catalog/catalog-entry.js";
import { ModelCatalog } from "./catalog/model-catalog.js";
import { ModelDirectory } from "./catalog/model-directory.js";
import { ChatService } from "./chat/chat-service.js";
import { resolveProviderSettings } from "./config/provider-settings.js";
import type { Config } from "./config/schema.js";
import { HealthService } from "./health/health-service.js";
import { ProviderRegistry } from "./providers/provider-registry.js";
import { createStateBackend, type StateBackend } from "./state/state-backend.js";
import { createLogger, type Logger } from "./telemetry/logger.js";

export const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Everything the gateway is made of, built once at start-up from the validated config. */
export interface Runtime {
  config: Config;
  logger: Logger;
  providers: ProviderRegistry;
  models: ModelDirectory;
  chat: ChatService;
  health: HealthService;
  state: StateBackend;
  close(): Promise<void>;
}

export function buildCatalog(config: Config): ModelCatalog {
  const configured: CatalogEntry[] = config.models.map((m) => ({ ...m, owned_by: m.owned_by ?? m.provider }));
  const overridden = new Set(configured.map((m) => m.id));
  return new ModelCatalog([...BUILTIN_MODELS.filter((m) => !overridden.has(m.id)), ...configured]);
}

export function createRuntime(config: Config, logger: Logger = createLogger(config.log_level)): Runtime {
  const catalog = buildCatalog(config);
  const providers = new ProviderRegistry(resolveProviderSettings(config));
  const state = createStateBackend(config.redis_url);
  return {
    config,
    logger,
    providers,
    models: new ModelDirectory(catalog, providers),
    chat: new ChatService({ catalog, providers, defaultProvider: config.default_provider, routingPolicy: config.routing.policy }),
    health: new HealthService({ version: VERSION, providers, state, startedAt: Date.now() }),
    state,
    close: () => state.close(),
  };
}
