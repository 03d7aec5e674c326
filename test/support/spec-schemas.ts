import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { loadSpecForValidation } from "../../src/http/spec-for-validation.js";

/**
 * Validation against spec/openapi.yaml (the source of truth), for any test:
 *
 *   expect(validateAgainstSpec("ChatCompletionChunk", chunk)).toEqual([]);
 *
 * The whole document is registered under one $id, so `#/components/...` refs resolve; OpenAPI 3.0's `nullable`
 * is understood by Ajv 8 and `discriminator` by its option.
 */

const SPEC_ID = "spec";

export const spec = loadSpecForValidation() as unknown as Record<string, unknown> & {
  components: { schemas: Record<string, unknown> };
};

const ajv = new Ajv({ strict: false, allErrors: true, discriminator: true });
addFormats.default(ajv);
ajv.addFormat("event-stream", true);
ajv.addSchema(spec, SPEC_ID);

const validators = new Map<string, ValidateFunction>();

/** The validator of a JSON pointer into the spec, e.g. `#/components/schemas/Error`. */
export function specValidator(ref: string): ValidateFunction {
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: `${SPEC_ID}${ref}` });
    validators.set(ref, validate);
  }
  return validate;
}

/** Errors of `value` against `#/components/schemas/<schemaName>`, one readable line each; [] when valid. */
export function validateAgainstSpec(schemaName: string, value: unknown): string[] {
  if (!(schemaName in spec.components.schemas)) throw new Error(`spec/openapi.yaml has no schema '${schemaName}'`);
  const validate = specValidator(`#/components/schemas/${schemaName}`);
  return validate(value) ? [] : formatErrors(validate.errors);
}

/** The names under components.schemas. */
export function specSchemaNames(): string[] {
  return Object.keys(spec.components.schemas);
}

export function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const where = error.instancePath === "" ? "(root)" : error.instancePath;
    const params = Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : "";
    return `${where} ${error.message ?? error.keyword}${params}`;
  });
}
