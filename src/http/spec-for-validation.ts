import type { Options } from "ajv";
import type { Document } from "openapi-backend";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { packageFile } from "../package/package-root.js";

export const SPEC_PATH = packageFile("spec", "openapi.yaml");

/**
 * Ajv's options for the request validators (`npm run generate` compiles them into standalone code with these).
 * strictNumbers: JSON's 1e999 parses as Infinity, which no number field of the spec means.
 */
export const AJV_OPTIONS: Options = { discriminator: true, allErrors: false, strictNumbers: true };

export function loadSpec(): Document {
  return parse(readFileSync(SPEC_PATH, "utf8")) as Document;
}

/**
 * The spec as Ajv validates it: Ajv's discriminator support derives each branch from its `enum` and refuses
 * `mapping` (which the spec keeps for code generators and docs), so mappings are left out here.
 */
export function loadSpecForValidation(): Document {
  const spec = loadSpec();
  const strip = (node: unknown): void => {
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    const discriminator = record.discriminator as Record<string, unknown> | undefined;
    if (discriminator && typeof discriminator === "object") delete discriminator.mapping;
    for (const value of Object.values(record)) strip(value);
  };
  strip(spec);
  return spec;
}
