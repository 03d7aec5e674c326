import type { ModelSource } from "../catalog/model-discovery.js";
import type { ProviderSettings } from "../config/provider-settings.js";
import { GatewayError } from "../errors/gateway-error.js";
import { createAnthropicProvider } from "./anthropic/client.js";
import { createOpenAIProvider } from "./openai/client.js";
import type { Provider } from "./types.js";

/** The providers the gateway knows, made once at start-up; only the configured ones get a client. */
export class ProviderRegistry {
  private readonly byName: Map<string, ProviderSettings>;
  private readonly clients = new Map<string, Provider>();

  constructor(settings: readonly ProviderSettings[]) {
    this.byName = new Map(settings.map((s) => [s.name, s]));
    for (const s of settings) if (s.configured) this.clients.set(s.name, createProvider(s));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  isConfigured(name: string): boolean {
    return this.clients.has(name);
  }

  settings(name: string): ProviderSettings | undefined {
    return this.byName.get(name);
  }

  configuredNames(): string[] {
    return [...this.clients.keys()];
  }

  allSettings(): ProviderSettings[] {
    return [...this.byName.values()];
  }

  /** The configured providers whose catalog is read from their host. */
  modelSources(): ModelSource[] {
    return this.allSettings().flatMap((s) => {
      const list = this.clients.get(s.name)?.listModels;
      return s.discoverModels && list ? [{ provider: s.name, endpoint: s.endpoint, list }] : [];
    });
  }

  /** The client for a provider, or the 503 that tells the operator what to set. */
  client(name: string): Provider {
    const client = this.clients.get(name);
    if (client) return client;
    const settings = this.byName.get(name);
    throw new GatewayError(
      "provider_not_configured",
      settings
        ? `Provider '${name}' is not configured; ${settings.howToConfigure}.`
        : `Provider '${name}' is not known to this gateway.`,
    );
  }
}

function createProvider(s: ProviderSettings): Provider {
  if (s.kind === "anthropic") {
    return createAnthropicProvider({
      name: s.name,
      apiKey: s.apiKey ?? "",
      baseURL: s.baseURL,
      defaultMaxTokens: s.defaultMaxTokens,
      timeoutMs: s.timeoutMs,
      connectTimeoutMs: s.connectTimeoutMs,
    });
  }
  return createOpenAIProvider({
    name: s.name,
    apiKey: s.apiKey,
    baseURL: s.baseURL,
    timeoutMs: s.timeoutMs,
    connectTimeoutMs: s.connectTimeoutMs,
  });
}
