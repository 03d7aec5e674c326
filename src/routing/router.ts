import { formatModelRef } from "../catalog/model-ref.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { CircuitBreakers } from "./breaker/circuit-breakers.js";
import { selectByCost } from "./cost-policy.js";
import type { ProviderStatus } from "./provider-status.js";
import { unknownProviderPrefix } from "./provider-prefix.js";
import { resolveTarget } from "./resolve-target.js";
import type { RouteCandidate, RoutePlan } from "./route-plan.js";
import type { RouteRequest } from "./route-request.js";
import type { RoutingTable } from "./routing-table.js";

/** Turns a request into the ordered candidates that may serve it, under the request's or the gateway's policy. */
export class Router {
  constructor(
    private readonly table: () => RoutingTable,
    private readonly breakers: CircuitBreakers,
  ) {}

  async plan(request: RouteRequest): Promise<RoutePlan> {
    const table = this.table();
    const policy = request.policy ?? table.policy;
    const model = request.model === undefined ? undefined : (table.aliases.get(request.model) ?? request.model);
    const resolved = { ...request, model };
    const misnamed =
      model === undefined
        ? undefined
        : unknownProviderPrefix(
            model,
            table.catalog,
            table.providers.allSettings().map((s) => s.name),
          );
    if (misnamed) throw misnamed;
    if (policy === "cost") return { policy, candidates: await this.byCost(resolved, table) };
    const primary = resolveTarget(resolved, table.catalog, table.providers, table.defaultProvider);
    return { policy, candidates: [primary, ...this.fallbacksOf(request.model, model, primary, table)] };
  }

  private async byCost(request: RouteRequest, table: RoutingTable): Promise<RouteCandidate[]> {
    const states = await this.breakers.states().catch(() => ({}) as Record<string, string>);
    const status = (provider: string): ProviderStatus => {
      if (!table.providers.isConfigured(provider)) return { state: "not_configured" };
      return states[provider] === "open" ? { state: "circuit_open" } : { state: "available" };
    };
    const { candidates } = selectByCost(request, table.catalog, {
      providerStatus: status,
      defaultMaxTokens: table.defaultMaxTokens,
      defaultModelFamily: table.defaultModelFamily,
    });
    return candidates.map(({ entry }) => ({
      provider: table.providers.client(entry.provider),
      model: entry.id,
      entry,
    }));
  }

  /**
   * The configured fallbacks of the requested name (alias or model), skipping ones whose provider is not configured.
   */
  private fallbacksOf(
    requested: string | undefined,
    model: string | undefined,
    primary: RouteCandidate,
    table: RoutingTable,
  ): RouteCandidate[] {
    const names = [requested, model, formatModelRef(primary.provider.name, primary.model), primary.model];
    const list =
      names
        .map((name) => (name === undefined ? undefined : table.fallbacks.get(name)))
        .find((found) => found !== undefined) ?? [];
    return list.flatMap((name) => {
      try {
        return [
          resolveTarget(
            { model: table.aliases.get(name) ?? name },
            table.catalog,
            table.providers,
            table.defaultProvider,
          ),
        ];
      } catch (err) {
        if (err instanceof GatewayError) return [];
        throw err;
      }
    });
  }
}
