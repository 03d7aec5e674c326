import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { parse } from "yaml";

/**
 * Validation against the schemas of spec/openapi.yaml (the source of truth), for any test:
 *
 *   expect(validateAgainstSpec("ChatCompletionChunk", chunk)).toEqual([]);
 *
 * The whole `components.schemas` is registered under one $id so `#/components/schemas/...` refs resolve.
 * OpenAPI 3.0 is draft-04/07 with extras: `nullable` is understood by Ajv 8, `discriminator`, `example` and
 * the like are ignored (`strict: false`), and 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` are rewritten
 * to their numeric form.
 */

const SPEC_ID = "runestone-openapi";
const SPEC_URL = new URL("../../spec/openapi.yaml", import.meta.url);

let ajv: Ajv | undefined;
let schemaNames: ReadonlySet<string> = new Set();
const validators = new Map<string, ValidateFunction>();

/** Errors of `value` against `#/components/schemas/<schemaName>`, one readable line each; [] when valid. */
export function validateAgainstSpec(schemaName: string, value: unknown): string[] {
  const validate = validatorFor(schemaName);
  return validate(value) ? [] : formatErrors(validate.errors);
}

/** The names under components.schemas. */
export function specSchemaNames(): string[] {
  instance();
  return [...schemaNames];
}

function validatorFor(schemaName: string): ValidateFunction {
  const cached = validators.get(schemaName);
  if (cached !== undefined) return cached;
  const compiler = instance();
  if (!schemaNames.has(schemaName)) throw new Error(`spec/openapi.yaml has no schema '${schemaName}'`);
  const validate = compiler.compile({ $ref: `${SPEC_ID}#/components/schemas/${schemaName}` });
  validators.set(schemaName, validate);
  return validate;
}

function instance(): Ajv {
  if (ajv !== undefined) return ajv;
  const spec = parse(readFileSync(SPEC_URL, "utf8")) as { components?: { schemas?: Record<string, unknown> } };
  const schemas = spec.components?.schemas;
  if (schemas === undefined) throw new Error("spec/openapi.yaml has no components.schemas");
  schemaNames = new Set(Object.keys(schemas));
  ajv = new Ajv({
    strict: false,
    allErrors: true,
    formats: {
      "date-time": (value: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)),
      "event-stream": true,
    },
  });
  ajv.addSchema({ $id: SPEC_ID, components: { schemas: toDraft7(schemas) } });
  return ajv;
}

/** OpenAPI 3.0's `exclusiveMinimum: true` + `minimum: n` is draft 7's `exclusiveMinimum: n` (same for maximum). */
function toDraft7(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toDraft7);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = toDraft7(value);
  for (const [flag, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]] as const) {
    if (typeof out[flag] === "boolean") {
      if (out[flag] === true && typeof out[bound] === "number") {
        out[flag] = out[bound];
        delete out[bound];
      } else {
        delete out[flag];
      }
    }
  }
  return out;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const where = error.instancePath === "" ? "(root)" : error.instancePath;
    const params = Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : "";
    return `${where} ${error.message ?? error.keyword}${params}`;
  });
}
