import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { GATEWAY_FIELDS } from "../../generated/gateway-fields.js";
import { GATEWAY_MARKER, gatewayFieldsBySchema, gatewayFieldsModule } from "../../scripts/gateway-fields-module.js";
import { SPEC_PATH } from "../../src/http/spec-for-validation.js";

const GENERATED = fileURLToPath(new URL("../../generated/gateway-fields.ts", import.meta.url));

const readSpec = (): Record<string, unknown> => parse(readFileSync(SPEC_PATH, "utf8")) as Record<string, unknown>;

/** A spec with one schema: `Request`, whose properties are given. */
const specWith = (properties: Record<string, unknown>) => ({
  components: { schemas: { Request: { type: "object", properties } } },
});

describe("generated/gateway-fields.ts, the request fields the spec marks as Runestone's own", () => {
  it("is what npm run generate derives from the current spec", () => {
    expect(readFileSync(GENERATED, "utf8")).toBe(gatewayFieldsModule(gatewayFieldsBySchema(readSpec())));
  });

  it("lists each marked property of the chat request, in spec order", () => {
    type Properties = Record<string, Record<string, unknown>>;
    const spec = readSpec() as { components: { schemas: Record<string, { properties: Properties }> } };
    const properties = spec.components.schemas.ChatCompletionRequest?.properties ?? {};
    const marked = Object.keys(properties).filter((name) => properties[name]?.[GATEWAY_MARKER] === true);
    expect(marked).toContain("callback_url");
    expect([...GATEWAY_FIELDS.ChatCompletionRequest]).toEqual(marked);
  });

  it("takes in a field as soon as the spec marks it", () => {
    const spec = specWith({ a: { type: "string", [GATEWAY_MARKER]: true }, b: { type: "string" } });
    expect(gatewayFieldsBySchema(spec)).toEqual(new Map([["Request", ["a"]]]));
    spec.components.schemas.Request.properties.b = { type: "string", [GATEWAY_MARKER]: true };
    expect(gatewayFieldsBySchema(spec)).toEqual(new Map([["Request", ["a", "b"]]]));
    expect(gatewayFieldsModule(gatewayFieldsBySchema(spec))).toContain('"Request": [\n    "a",\n    "b",\n  ],');
  });

  it.each([
    ["on a nested property", specWith({ a: { type: "object", properties: { b: { [GATEWAY_MARKER]: true } } } })],
    ["on a schema", { components: { schemas: { Request: { type: "object", [GATEWAY_MARKER]: true } } } }],
    ["on an operation", { paths: { "/x": { post: { [GATEWAY_MARKER]: true } } } }],
  ])("refuses the marker %s, where it would be ignored", (_where, spec) => {
    expect(() => gatewayFieldsBySchema(spec)).toThrow(/belongs on a top-level property of a component schema/);
  });

  it("refuses a marker that is not true", () => {
    expect(() => gatewayFieldsBySchema(specWith({ a: { [GATEWAY_MARKER]: "yes" } }))).toThrow(
      '#/components/schemas/Request/properties/a: x-runestone-gateway must be true, not "yes"',
    );
  });
});
