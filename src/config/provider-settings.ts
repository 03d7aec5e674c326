import { providerSchema, type Config, type ProviderConfig } from "./schema.js";

/** The wire protocol a provider speaks. */
export type ProviderKind = NonNullable<ProviderConfig["kind"]>;

export interface ProviderSettings {
  name: string;
  kind: ProviderKind;
  apiKey: string | undefined;
  baseURL: string | undefined;
  /** The base URL requests go to: the configured one, else the provider's official one. */
  endpoint: string;
  /** Whether its catalog is read from the host's own GET /v1/models (providers.<name>.discover_models). */
  discoverModels: boolean;
  timeoutMs: number;
  firstTokenTimeoutMs: number;
  connectTimeoutMs: number;
  defaultMaxTokens: number;
  /** Whether requests can be sent: a key, or a base URL of a host that needs none. */
  configured: boolean;
  /** What to set to configure it, for error messages. */
  howToConfigure: string;
}

export const OFFICIAL_BASE_URLS: Record<ProviderKind, string> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
};

const BUILTIN_HINTS: Record<string, string> = {
  openai: "set OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible host)",
  anthropic: "set ANTHROPIC_API_KEY",
};

/** Every provider the gateway knows: the two built-in ones, always, and those the config file adds. */
export function resolveProviderSettings(config: Config): ProviderSettings[] {
  const names = new Set(["openai", "anthropic", ...Object.keys(config.providers)]);
  return [...names].map((name) => {
    const entry = config.providers[name] ?? providerSchema.parse({});
    const kind: ProviderKind = entry.kind ?? (name === "anthropic" ? "anthropic" : "openai");
    const baseURL = entry.base_url;
    const keylessHost = baseURL !== undefined && baseURL.replace(/\/$/, "") !== OFFICIAL_BASE_URLS[kind];
    // An OpenAI-compatible host serves its own models: OpenAI's cloud catalog would be a list of what it lacks.
    const discoverModels = kind === "openai" && (entry.discover_models ?? keylessHost);
    return {
      name,
      kind,
      apiKey: entry.api_key,
      baseURL,
      endpoint: baseURL ?? OFFICIAL_BASE_URLS[kind],
      discoverModels,
      timeoutMs: entry.timeout_ms,
      firstTokenTimeoutMs: entry.first_token_timeout_ms,
      connectTimeoutMs: entry.connect_timeout_ms,
      defaultMaxTokens: entry.default_max_tokens,
      configured: entry.api_key !== undefined || (kind === "openai" && keylessHost),
      howToConfigure: BUILTIN_HINTS[name] ?? `set providers.${name}.api_key or base_url in the config file`,
    };
  });
}
