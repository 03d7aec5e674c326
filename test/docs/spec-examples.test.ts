import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { sseData } from "../support/contract.js";
import { formatErrors, spec, specValidator } from "../support/spec-schemas.js";

/**
 * The examples of spec/openapi.yaml are documentation people copy: each one is validated against the schema it
 * illustrates, so an example that drifts from its schema (or a schema change that leaves an example behind) fails.
 * Every operation has a summary, a description, an example for each parameter and request body, and an example
 * for each documented status.
 */

type Json = Record<string, unknown>;

const METHODS = ["get", "put", "post", "delete", "patch"] as const;
const root = spec as unknown as Json;

/** JSON pointer segment. */
const seg = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");

/** Follows `$ref`s; returns the node and its JSON pointer. */
function resolve(node: Json, pointer: string): { node: Json; pointer: string } {
  let current = node;
  let at = pointer;
  while (typeof current.$ref === "string") {
    at = current.$ref;
    current = at
      .replace(/^#\//, "")
      .split("/")
      .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
      .reduce<Json>((acc, key) => acc[key] as Json, root);
  }
  return { node: current, pointer: at };
}

interface Example {
  /** Where it is, for the test name: `getJob 200 application/json`. */
  where: string;
  /** The schema it must satisfy, as a JSON pointer into the spec. */
  schema: string;
  value: unknown;
  /** For event streams: the schema of each event's data. */
  eventSchema?: string;
  contentType?: string;
}

/** The `example` or each of the `examples` of a media type or parameter object. */
function examplesOf(holder: Json, where: string): { where: string; value: unknown }[] {
  const found: { where: string; value: unknown }[] = [];
  if ("example" in holder) found.push({ where, value: holder.example });
  for (const [name, example] of Object.entries((holder.examples ?? {}) as Record<string, Json>)) {
    found.push({ where: `${where} (${name})`, value: resolve(example, "").node.value });
  }
  return found;
}

interface Operation {
  id: string;
  method: string;
  path: string;
  node: Json;
  pointer: string;
}

function operations(): Operation[] {
  const found: Operation[] = [];
  for (const [path, item] of Object.entries(root.paths as Record<string, Json>)) {
    for (const method of METHODS) {
      const node = item[method] as Json | undefined;
      if (node)
        found.push({ id: String(node.operationId), method, path, node, pointer: `#/paths/${seg(path)}/${method}` });
    }
  }
  return found;
}

const missing: string[] = [];
const examples: Example[] = [];

function collectMedia(content: Json, contentPointer: string, where: string): void {
  for (const [contentType, mediaNode] of Object.entries(content)) {
    const media = mediaNode as Json;
    const found = examplesOf(media, `${where} ${contentType}`);
    if (found.length === 0) missing.push(`${where} ${contentType}: no example`);
    const schema = resolve(media.schema as Json, `${contentPointer}/${seg(contentType)}/schema`).pointer;
    const eventSchema = (media["x-event-data"] as Json | undefined)?.$ref as string | undefined;
    for (const example of found)
      examples.push({ ...example, schema, contentType, ...(eventSchema ? { eventSchema } : {}) });
  }
}

for (const op of operations()) {
  const item = (root.paths as Record<string, Json>)[op.path] as Json;
  const parameters = [
    ...((item.parameters ?? []) as Json[]).map((p, i) => resolve(p, `#/paths/${seg(op.path)}/parameters/${i}`)),
    ...((op.node.parameters ?? []) as Json[]).map((p, i) => resolve(p, `${op.pointer}/parameters/${i}`)),
  ];
  for (const { node: parameter, pointer } of parameters) {
    const where = `${op.id} parameter ${String(parameter.name)}`;
    const found = examplesOf(parameter, where);
    if (found.length === 0) missing.push(`${where}: no example`);
    for (const example of found)
      examples.push({ ...example, schema: resolve(parameter.schema as Json, `${pointer}/schema`).pointer });
  }
  if (op.node.requestBody) {
    const { node: body, pointer } = resolve(op.node.requestBody as Json, `${op.pointer}/requestBody`);
    collectMedia((body.content ?? {}) as Json, `${pointer}/content`, `${op.id} request`);
  }
  for (const [status, responseNode] of Object.entries(op.node.responses as Record<string, Json>)) {
    const { node: response, pointer } = resolve(responseNode, `${op.pointer}/responses/${status}`);
    if (!response.content) missing.push(`${op.id} ${status}: no content`);
    collectMedia((response.content ?? {}) as Json, `${pointer}/content`, `${op.id} ${status}`);
  }
}

/** Schema-level examples (`EventStream`'s, say), anywhere under components.schemas. */
function collectSchemaExamples(node: unknown, pointer: string): void {
  if (typeof node !== "object" || node === null) return;
  const schema = node as Json;
  if ("example" in schema) examples.push({ where: `schema ${pointer}`, schema: pointer, value: schema.example });
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties")
      for (const [name, property] of Object.entries(value as Json))
        collectSchemaExamples(property, `${pointer}/properties/${seg(name)}`);
    else if (key === "items" || key === "additionalProperties" || key === "not")
      collectSchemaExamples(value, `${pointer}/${key}`);
    else if (key === "allOf" || key === "oneOf" || key === "anyOf")
      (value as unknown[]).forEach((sub, i) => {
        collectSchemaExamples(sub, `${pointer}/${key}/${i}`);
      });
  }
}
for (const [name, schema] of Object.entries((root.components as Json).schemas as Json))
  collectSchemaExamples(schema, `#/components/schemas/${seg(name)}`);

function errorsAgainst(pointer: string, value: unknown): string[] {
  const validate = specValidator(pointer);
  return validate(value) ? [] : formatErrors(validate.errors);
}

/** The error `type` each status answers with. */
const ERROR_TYPE_OF_STATUS: Record<string, string> = {
  "400": "invalid_request_error",
  "401": "authentication_error",
  "403": "permission_error",
  "404": "not_found_error",
  "409": "invalid_request_error",
  "413": "invalid_request_error",
  "415": "invalid_request_error",
  "429": "rate_limit_error",
  "502": "service_error",
  "503": "service_error",
  "504": "service_error",
};

/** Anthropic's error `type` each status answers with, on the Messages API paths. */
const ANTHROPIC_ERROR_TYPE_OF_STATUS: Record<string, string> = {
  "400": "invalid_request_error",
  "401": "authentication_error",
  "403": "permission_error",
  "404": "not_found_error",
  "413": "request_too_large",
  "415": "invalid_request_error",
  "429": "rate_limit_error",
  "502": "api_error",
  "503": "overloaded_error",
  "504": "timeout_error",
};

describe("spec/openapi.yaml documentation", () => {
  it("gives every operation a summary and a description", () => {
    const bare = operations().filter(
      (op) => !String(op.node.summary ?? "").trim() || !String(op.node.description ?? "").trim(),
    );
    expect(bare.map((op) => op.id)).toEqual([]);
  });

  it("has an example for every parameter, request body and documented status", () => {
    expect(missing).toEqual([]);
    expect(examples.length).toBeGreaterThan(40);
  });

  it.each(examples.map((example) => [example.where, example] as const))(
    "%s: the example matches its schema",
    (_where, example) => {
      const problems = errorsAgainst(example.schema, example.value);
      if (example.eventSchema) {
        // An event stream: each event's data against the event schema; it ends with [DONE] or an error event.
        const events = sseData(String(example.value));
        expect(events.length, "events in the stream example").toBeGreaterThan(0);
        for (const data of events.filter((d) => d !== "[DONE]")) {
          problems.push(
            ...errorsAgainst(example.eventSchema, JSON.parse(data)).map((e) => `event ${data.slice(0, 60)}…: ${e}`),
          );
        }
        // OpenAI's streams end with [DONE], Anthropic's with message_stop; a failed one with an error event.
        const last = events.at(-1) ?? "";
        const lastEvent = last === "[DONE]" ? {} : (JSON.parse(last) as Json);
        expect(
          last === "[DONE]" || lastEvent.type === "message_stop" || "error" in lastEvent,
          "the stream ends with [DONE], message_stop or an error event",
        ).toBe(true);
      }
      if (example.contentType === "application/yaml") expect(() => parseYaml(String(example.value))).not.toThrow();
      expect(problems).toEqual([]);
    },
  );

  it("uses the error type that goes with each status in the error examples", () => {
    const wrong = examples
      .filter(
        (example) =>
          /^\w+ \d{3} application\/json/.test(example.where) && example.schema === "#/components/schemas/Error",
      )
      .map((example) => ({
        status: example.where.split(" ")[1] ?? "",
        type: (example.value as { error: { type: string } }).error.type,
        where: example.where,
      }))
      .filter(({ status, type }) => ERROR_TYPE_OF_STATUS[status] !== type);
    expect(wrong).toEqual([]);
  });

  it("uses Anthropic's error type that goes with each status in the Messages API's error examples", () => {
    const anthropic = examples.filter(
      (example) =>
        /^\w+ \d{3} application\/json/.test(example.where) && example.schema === "#/components/schemas/AnthropicError",
    );
    expect(anthropic.length).toBeGreaterThan(0);
    const wrong = anthropic
      .map((example) => ({
        status: example.where.split(" ")[1] ?? "",
        type: (example.value as { error: { type: string } }).error.type,
        where: example.where,
      }))
      .filter(({ status, type }) => ANTHROPIC_ERROR_TYPE_OF_STATUS[status] !== type);
    expect(wrong).toEqual([]);
  });
});
