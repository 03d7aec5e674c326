import type { RoutingTable } from "../routing/routing-table.js";
import { toModelObject, type ModelObject } from "./model-catalog.js";

/** The catalog as clients see it: models whose provider is configured, and the aliases that lead to them. */
export class ModelDirectory {
  constructor(private readonly table: () => RoutingTable) {}

  list(): ModelObject[] {
    const { catalog, providers, aliases } = this.table();
    const models = [...catalog.entries()].filter((entry) => providers.isConfigured(entry.provider)).map(toModelObject);
    const aliased = [...aliases.keys()].flatMap((alias) => {
      const target = this.get(alias);
      return target ? [target] : [];
    });
    return [...models, ...aliased];
  }

  /** A model by id, dated snapshot id, `provider/id` or alias. */
  get(id: string): ModelObject | undefined {
    const { catalog, providers, aliases } = this.table();
    const target = aliases.get(id) ?? id;
    const slash = target.indexOf("/");
    const provider = slash > 0 && providers.has(target.slice(0, slash)) ? target.slice(0, slash) : undefined;
    const entry = catalog.find(provider ? target.slice(slash + 1) : target);
    if (!entry || !providers.isConfigured(entry.provider) || (provider && entry.provider !== provider))
      return undefined;
    const model = toModelObject(entry);
    return aliases.has(id) ? { ...model, id, alias_for: `${entry.provider}/${entry.id}` } : model;
  }
}
