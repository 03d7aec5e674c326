import type { ModelCatalog } from "../catalog/model-catalog.js";
import { parseModelRef } from "../catalog/model-ref.js";
import { GatewayError, invalidRequest } from "../errors/gateway-error.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { RouteCandidate } from "./route-plan.js";
import type { RouteRequest } from "./route-request.js";

/** Names that tell the provider of a model the catalog does not hold (new snapshots, say). */
const PROVIDER_BY_PREFIX: ReadonlyArray<[RegExp, string]> = [[/^claude-/, "anthropic"]];

/**
 * The default policy: the requested model on its provider. `provider` forces one; `provider/model` names one;
 * otherwise the catalog says, and a model it does not hold goes to the configured default provider.
 */
export function resolveTarget(
  request: Pick<RouteRequest, "model" | "provider">,
  catalog: ModelCatalog,
  providers: ProviderRegistry,
  defaultProvider: string,
): RouteCandidate {
  const requested = request.model;
  if (requested === undefined) {
    throw invalidRequest(
      "you must provide a model (or route by cost with RUNESTONE_ROUTER_POLICY=cost)",
      "model",
      "missing_required_parameter",
    );
  }
  if (request.provider !== undefined && !providers.has(request.provider)) {
    throw invalidRequest(
      `unknown provider '${request.provider}'; this gateway knows: ${providers
        .allSettings()
        .map((s) => s.name)
        .join(", ")}`,
      "provider",
    );
  }
  const { provider: named, model } = parseModelRef(requested, (name) => providers.has(name));
  if (named !== undefined && request.provider !== undefined && request.provider !== named) {
    throw invalidRequest(
      `model '${requested}' names provider '${named}' but provider is '${request.provider}'`,
      "provider",
    );
  }
  const entry = catalog.find(model);
  const providerName =
    request.provider ??
    named ??
    entry?.provider ??
    PROVIDER_BY_PREFIX.find(([pattern]) => pattern.test(model))?.[1] ??
    defaultProvider;
  if (entry && entry.provider !== providerName) {
    // A catalog model forced onto another provider (an OpenAI-compatible proxy, say) keeps its name but not its entry.
    return { provider: providers.client(providerName), model, entry: undefined };
  }
  if (!providers.has(providerName)) {
    throw new GatewayError("provider_not_configured", `Provider '${providerName}' is not known to this gateway.`);
  }
  return { provider: providers.client(providerName), model, entry };
}
