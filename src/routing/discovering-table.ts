import type { ModelDiscovery } from "../catalog/model-discovery.js";
import type { Config } from "../config/schema.js";
import { buildCatalog } from "./build-routing-table.js";
import type { RoutingTable } from "./routing-table.js";

/**
 * The routing table in force with the models the hosts list merged into its catalog: rebuilt when the config is
 * reloaded or a list changes, else the same table.
 */
export function discoveringTable(
  snapshot: () => { config: Config; table: RoutingTable },
  discovery: ModelDiscovery,
): () => RoutingTable {
  let built: { base: RoutingTable; revision: number; table: RoutingTable } | undefined;
  return () => {
    const { config, table } = snapshot();
    if (built?.base === table && built.revision === discovery.revision) return built.table;
    const revision = discovery.revision;
    const catalog = buildCatalog(config, table.providers, (provider, endpoint) => discovery.models(provider, endpoint));
    built = { base: table, revision, table: { ...table, catalog } };
    return built.table;
  };
}
