import { toModelObject, type ModelCatalog, type ModelObject } from "./model-catalog.js";
import { formatModelRef, parseModelRef } from "./model-ref.js";

/** What the directory reads of the configuration (the routing table is one). */
export interface CatalogView {
  catalog: ModelCatalog;
  providers: { has(name: string): boolean; isConfigured(name: string): boolean };
  /** Client-facing name → `provider/model` or catalog id. */
  aliases: ReadonlyMap<string, string>;
}

/** The catalog as clients see it: models whose provider is configured, and the aliases that lead to them. */
export class ModelDirectory {
  constructor(private readonly table: () => CatalogView) {}

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
    const target = parseModelRef(aliases.get(id) ?? id, (name) => providers.has(name));
    const entry = catalog.find(target.model);
    if (!entry || !providers.isConfigured(entry.provider) || (target.provider && entry.provider !== target.provider))
      return undefined;
    const model = toModelObject(entry);
    return aliases.has(id) ? { ...model, id, alias_for: formatModelRef(entry.provider, entry.id) } : model;
  }
}
