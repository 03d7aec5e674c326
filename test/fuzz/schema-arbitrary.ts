import fc from "fast-check";

type Schema = Record<string, unknown>;

const ABSENT = Symbol("absent");

/** How deep generated values go before objects keep only their required fields. */
const MAX_DEPTH = 4;
/** Free-form JSON (tool parameters, unknown fields) and arrays stay small: the nasty values bring the size. */
const FREE_JSON = fc.jsonValue({ maxDepth: 2, depthSize: "small" });

/**
 * fast-check arbitraries of the values a schema of spec/openapi.yaml describes ($ref, allOf, oneOf, anyOf, enum,
 * nullable, the JSON types with their bounds, patterns and the formats the spec uses). The values follow the
 * schema's shape; whether the gateway then accepts them (a tool_choice naming a tool that is not there, say) is
 * for the gateway to decide.
 */
export class SchemaArbitraries {
  private readonly cache = new Map<Schema, fc.Arbitrary<unknown>>();

  /**
   * `hints`: for properties of these names, values that real requests hold (known model ids, configured tenants),
   * drawn more often than the schema's own, and present half the time. Other optional properties are left out
   * nine times in ten, so that a request holds a few of them, as real ones do.
   */
  constructor(
    private readonly document: Schema,
    private readonly hints: Record<string, fc.Arbitrary<unknown>> = {},
  ) {}

  of(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
    const node = this.resolve(schema);
    if (depth > 0) return this.build(node, depth);
    let arbitrary = this.cache.get(node);
    if (!arbitrary) {
      arbitrary = this.build(node, depth);
      this.cache.set(node, arbitrary);
    }
    return arbitrary;
  }

  resolve(schema: unknown): Schema {
    let node = (schema ?? {}) as Schema;
    while (typeof node.$ref === "string") {
      const path = node.$ref.replace(/^#\//, "").split("/");
      node = path.reduce<Schema>(
        (at, key) => at[key.replaceAll("~1", "/").replaceAll("~0", "~")] as Schema,
        this.document,
      );
    }
    return node;
  }

  private build(schema: Schema, depth: number): fc.Arbitrary<unknown> {
    const base = this.nonNull(schema, depth);
    return schema.nullable === true ? fc.oneof(fc.constant(null), base) : base;
  }

  private nonNull(schema: Schema, depth: number): fc.Arbitrary<unknown> {
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    if (Array.isArray(schema.allOf)) return this.of(mergeAll(schema.allOf.map((s) => this.resolve(s))), depth);
    const branches = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
    if (Array.isArray(branches)) return fc.oneof(...branches.map((branch) => this.of(branch, depth + 1)));
    switch (schema.type) {
      case "string":
        return stringOf(schema);
      case "integer":
        return fc.integer({ min: bound(schema.minimum, -1_000_000), max: bound(schema.maximum, 1_000_000) });
      case "number":
        return fc.double({
          min: bound(schema.minimum, -1e6),
          max: bound(schema.maximum, 1e6),
          noNaN: true,
          noDefaultInfinity: true,
        });
      case "boolean":
        return fc.boolean();
      case "array": {
        const minLength = bound(schema.minItems, 0);
        const maxLength = Math.min(bound(schema.maxItems, minLength + 3), minLength + 3);
        return fc.array(this.of(schema.items, depth + 1), { minLength, maxLength });
      }
      case "object":
        return this.objectOf(schema, depth);
      default:
        return FREE_JSON;
    }
  }

  private objectOf(schema: Schema, depth: number): fc.Arbitrary<unknown> {
    const properties = (schema.properties ?? {}) as Record<string, unknown>;
    const required = new Set((schema.required ?? []) as string[]);
    const keys = Object.keys(properties).filter((key) => depth < MAX_DEPTH || required.has(key));
    if (keys.length === 0) {
      const extra = schema.additionalProperties;
      if (typeof extra === "object" && extra !== null) {
        return fc.dictionary(fc.string({ maxLength: 8 }), this.of(extra, depth + 1), { maxKeys: 3 });
      }
      return extra === false ? fc.constant({}) : fc.dictionary(fc.string({ maxLength: 8 }), FREE_JSON, { maxKeys: 3 });
    }
    const record = Object.fromEntries(
      keys.map((key) => {
        const value = this.propertyOf(key, properties[key], depth);
        if (required.has(key)) return [key, value];
        const absent = key in this.hints ? 1 : 9;
        return [key, fc.oneof({ weight: absent, arbitrary: fc.constant(ABSENT) }, value)];
      }),
    );
    return fc
      .record(record)
      .map((object) => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== ABSENT)));
  }

  private propertyOf(name: string, schema: unknown, depth: number): fc.Arbitrary<unknown> {
    const hint = this.hints[name];
    const own = this.of(schema, depth + 1);
    return hint ? fc.oneof({ weight: 3, arbitrary: hint }, own) : own;
  }
}

function bound(value: unknown, fallback: number): number {
  return typeof value === "number" ? value : fallback;
}

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const minLength = bound(schema.minLength, 0);
  const maxLength = Math.min(bound(schema.maxLength, 40), 40);
  if (typeof schema.pattern === "string") {
    return fc
      .stringMatching(new RegExp(schema.pattern, "u"))
      .filter((s) => s.length >= minLength && s.length <= bound(schema.maxLength, Number.POSITIVE_INFINITY));
  }
  switch (schema.format) {
    case "uri":
      return fc.webUrl();
    case "date":
      return fc
        .date({ min: new Date("2020-01-01"), max: new Date("2030-12-31"), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case "date-time":
      return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
    default:
      return fc.string({ minLength, maxLength: Math.max(minLength, maxLength) });
  }
}

/** allOf's schemas as one (the spec uses allOf to attach a description to a $ref). */
function mergeAll(schemas: Schema[]): Schema {
  const merged: Schema = {};
  for (const s of schemas) {
    for (const [key, value] of Object.entries(s)) {
      if (key === "properties") merged.properties = { ...(merged.properties as Schema), ...(value as Schema) };
      else if (key === "required") merged.required = [...((merged.required as string[]) ?? []), ...(value as string[])];
      else merged[key] = value;
    }
  }
  return merged;
}
