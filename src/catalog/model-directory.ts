import type { ProviderRegistry } from "../providers/provider-registry.js";
import { toModelObject, type ModelCatalog, type ModelObject } from "./model-catalog.js";

/** The catalog as clients see it: only models whose provider is configured. */
export class ModelDirectory {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly providers: ProviderRegistry,
  ) {}

  list(): ModelObject[] {
    return [...this.catalog.entries()].filter((entry) => this.providers.isConfigured(entry.provider)).map(toModelObject);
  }

  /** A model by id, dated snapshot id, or `provider/id`. */
  get(id: string): ModelObject | undefined {
    const slash = id.indexOf("/");
    const provider = slash > 0 && this.providers.has(id.slice(0, slash)) ? id.slice(0, slash) : undefined;
    const entry = this.catalog.find(provider ? id.slice(slash + 1) : id);
    if (!entry || !this.providers.isConfigured(entry.provider) || (provider && entry.provider !== provider)) return undefined;
    return toModelObject(entry);
  }
}
