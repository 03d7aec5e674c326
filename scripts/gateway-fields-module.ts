/** The vendor extension that marks a request property as Runestone's own: it steers the gateway, never the upstream. */
export const GATEWAY_MARKER = "x-runestone-gateway";

/**
 * Per component schema, its properties marked with GATEWAY_MARKER, in spec order. The marker counts only on a
 * top-level property of a component schema, with the value `true`: anywhere else it would be silently ignored, so it
 * is refused.
 *
 * @throws Error naming the JSON pointer of a misplaced or malformed marker.
 */
export function gatewayFieldsBySchema(spec: unknown): Map<string, string[]> {
  const bySchema = new Map<string, string[]>();
  const visit = (node: unknown, path: string[]): void => {
    if (typeof node !== "object" || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === GATEWAY_MARKER) mark(bySchema, path, value);
      else visit(value, [...path, key]);
    }
  };
  visit(spec, []);
  return bySchema;
}

function mark(bySchema: Map<string, string[]>, path: string[], value: unknown): void {
  const [components, schemas, schema, properties, field, ...deeper] = path;
  const pointer = `#/${path.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;
  const placed =
    components === "components" && schemas === "schemas" && properties === "properties" && deeper.length === 0;
  if (!placed || schema === undefined || field === undefined) {
    throw new Error(`${pointer}: ${GATEWAY_MARKER} belongs on a top-level property of a component schema`);
  }
  if (value !== true) throw new Error(`${pointer}: ${GATEWAY_MARKER} must be true, not ${JSON.stringify(value)}`);
  bySchema.set(schema, [...(bySchema.get(schema) ?? []), field]);
}

/** The TypeScript module `npm run generate` writes to generated/gateway-fields.ts. */
export function gatewayFieldsModule(bySchema: ReadonlyMap<string, readonly string[]>): string {
  const entries = [...bySchema].map(
    ([schema, fields]) =>
      `  ${JSON.stringify(schema)}: [\n${fields.map((field) => `    ${JSON.stringify(field)},\n`).join("")}  ],`,
  );
  return `// Generated from spec/openapi.yaml by scripts/gateway-fields.ts (npm run generate): do not edit.
import type { components } from "./openapi.js";

type Schemas = components["schemas"];

/**
 * Per request schema, the properties the spec marks \`${GATEWAY_MARKER}\`: Runestone's own fields, which steer the
 * gateway and are never sent upstream.
 */
export const GATEWAY_FIELDS = {
${entries.join("\n")}
} as const satisfies { [Schema in keyof Schemas]?: readonly (keyof Schemas[Schema] & string)[] };

/** The gateway-only fields of one request schema, e.g. \`GatewayField<"ChatCompletionRequest">\`. */
export type GatewayField<Schema extends keyof typeof GATEWAY_FIELDS> = (typeof GATEWAY_FIELDS)[Schema][number];
`;
}
