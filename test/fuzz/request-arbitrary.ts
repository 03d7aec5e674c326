import fc from "fast-check";
import { ODD_STRINGS, REMOVE, nastyBodyText, nastyValue, pathsOf, toJsonText, withAt } from "./nasty-values.js";
import { SchemaArbitraries } from "./schema-arbitrary.js";

type Json = Record<string, unknown>;

/** One HTTP request to the gateway. */
export interface FuzzRequest {
  /** What it aims at (operationId), for reports. */
  target: string;
  method: string;
  /** Path and query, already encoded as they go on the wire. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

interface Operation {
  operationId: string;
  method: string;
  path: string;
  parameters: Json[];
  bodySchema: unknown;
}

export interface RequestContext {
  /** Authorization header values that authenticate (a tenant's key, an admin key). */
  validAuthorizations: readonly string[];
  /** Values a path parameter named so often holds in real use (model ids, job ids seen so far). */
  knownValues: Record<string, () => readonly string[]>;
  /** Values real request bodies hold for properties of these names (see SchemaArbitraries). */
  bodyHints: Record<string, fc.Arbitrary<unknown>>;
}

const HTTP_METHODS = ["get", "post", "put", "patch", "delete"];
const WRONG_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** Path segments no router should choke on. */
const ODD_SEGMENTS = ["%", "%ff", "%E0%A4%A", "%00", "..", "%2F", "a%2Fb", "%C0%AE", "x".repeat(300), "%25", "~", ""];
/**
 * Node answers a request head over 16 KiB with 431 itself, before any gateway code runs (no x-request-id, no
 * body): query values and path segments stay well under it.
 */
const HEAD_PART_MAX = 2_000;
const ODD_QUERY_VALUES = ODD_STRINGS.filter((s) => s.length <= HEAD_PART_MAX);

const ODD_PATHS = [
  "/",
  "/v1",
  "/v1/",
  "/v1/unknown",
  "/V1/MODELS",
  "//v1/models",
  "/v1/chat/completions/extra",
  "/v1/models/a/b",
  "/%",
  "/%ff",
  "/v1/jobs/",
  "/health/%00",
  `/${"a".repeat(HEAD_PART_MAX)}`,
];

/** Header values a client could send (visible ASCII and Latin-1; fetch refuses the rest, as HTTP does). */
const headerValue = fc.oneof(
  fc.string({ unit: "binary-ascii", maxLength: 40 }).map((s) =>
    [...s]
      .filter((c) => c >= " " && c !== "\x7f")
      .join("")
      .trim(),
  ),
  fc.constantFrom("", "é", "x".repeat(2_000), "req_ok", "a,b", ";", "null"),
);

/**
 * Requests for every operation of the spec: valid ones derived from its schemas, the same with one part broken
 * (a field replaced by a nasty value, removed, or an unknown one added), and wholly odd ones (bodies that are no
 * request, odd paths and parameters, wrong methods, odd headers and credentials).
 */
export function requestArbitrary(document: Json, context: RequestContext): fc.Arbitrary<FuzzRequest> {
  const schemas = new SchemaArbitraries(document, context.bodyHints);
  const operations = operationsOf(document);
  const perOperation = operations.map((op) => ({
    // The chat operations take the bodies with the most to get wrong: they get most of the cases.
    weight: op.bodySchema === undefined ? 1 : 5,
    arbitrary: operationRequest(op, schemas, context),
  }));
  return fc.oneof(
    { weight: 20, arbitrary: fc.oneof(...perOperation) },
    { weight: 1, arbitrary: oddPathRequest(context) },
  );
}

function operationsOf(document: Json): Operation[] {
  const paths = document.paths as Record<string, Json>;
  return Object.entries(paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => {
      const op = item[method] as Json;
      const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
      return {
        operationId: String(op.operationId),
        method: method.toUpperCase(),
        path,
        parameters: [...((item.parameters as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])],
        bodySchema: content["application/json"]?.schema,
      };
    }),
  );
}

function operationRequest(op: Operation, schemas: SchemaArbitraries, context: RequestContext) {
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const queryParams = op.parameters.filter((p) => p.in === "query");
  const segments = fc.record(
    Object.fromEntries(pathParams.map((p) => [String(p.name), segmentOf(p, schemas, context)])),
  ) as fc.Arbitrary<Record<string, string>>;
  const query = fc.array(
    fc.oneof(
      ...queryParams.map((p) =>
        fc
          .oneof(schemas.of(p.schema).map(String), fc.constantFrom(...ODD_QUERY_VALUES))
          .map((value) => `${encodable(String(p.name))}=${encodable(value)}`),
      ),
      fc.constantFrom("tenant_id=%", "start=%ff", "unknown=1", "period=", "a[]=1&a[]=2", "=", "&&"),
    ),
    { maxLength: queryParams.length + 1 },
  );
  const body = op.bodySchema === undefined ? fc.constant(undefined) : bodyOf(op.bodySchema, schemas);
  return fc
    .record({
      segments,
      query,
      body,
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant(op.method) },
        { weight: 1, arbitrary: fc.constantFrom(...WRONG_METHODS) },
      ),
      headers: headersOf(context, op.bodySchema !== undefined),
    })
    .map(({ segments, query, body, method, headers }) => {
      const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => segments[name] ?? "");
      const url = query.length > 0 ? `${path}?${query.join("&")}` : path;
      return { target: op.operationId, method, url, headers, body: method === "GET" ? undefined : body };
    });
}

function segmentOf(param: Json, schemas: SchemaArbitraries, context: RequestContext): fc.Arbitrary<string> {
  const known = context.knownValues[String(param.name)];
  return fc
    .oneof(
      { weight: 3, arbitrary: schemas.of(param.schema).map((v) => encodable(String(v))) },
      { weight: 3, arbitrary: known ? fc.nat().map((i) => encodable(pick(known(), i) ?? "x")) : fc.constant("x") },
      { weight: 1, arbitrary: fc.constantFrom(...ODD_SEGMENTS) },
      { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }).map(encodable) },
    )
    .map(keptAsParameter);
}

/**
 * A segment "." or ".." (also as %2E) is resolved away by every URL parser before the request leaves, and an
 * empty one leaves a trailing slash: `/v1/models/.` and `/v1/models/` both reach the gateway as another operation
 * (the model list). Such a segment gets one more character, to stay a parameter of the operation under test.
 */
function keptAsParameter(segment: string): string {
  return /^(?:\.|%2e){0,2}$/i.test(segment) ? `${segment}_` : segment;
}

function bodyOf(schema: unknown, schemas: SchemaArbitraries): fc.Arbitrary<string> {
  const valid = schemas.of(schema);
  const broken = valid.chain((body) => {
    const paths = pathsOf(body);
    if (paths.length === 0) return nastyValue.map((v) => toJsonText(v));
    return fc
      .record({
        path: fc.constantFrom(...paths),
        how: fc.constantFrom("replace", "remove", "add"),
        value: nastyValue,
        name: fc.constantFrom("extra", "metadata", "__proto__", "messages", "model", "stream"),
      })
      .map(({ path, how, value, name }) => {
        if (how === "remove") return toJsonText(withAt(body, path, REMOVE));
        if (how === "add") return toJsonText({ ...(body as Json), [name]: value });
        return toJsonText(withAt(body, path, value));
      });
  });
  return fc.oneof(
    { weight: 4, arbitrary: valid.map((v) => toJsonText(v)) },
    { weight: 5, arbitrary: broken },
    { weight: 1, arbitrary: nastyBodyText },
  );
}

function headersOf(context: RequestContext, hasBody: boolean): fc.Arbitrary<Record<string, string>> {
  const authorization = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...context.validAuthorizations) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("", "Bearer", "Bearer ", "Bearer wrong", "Basic YTpi", "bearer sk-x", "Bearer a b"),
    },
    { weight: 1, arbitrary: headerValue },
  );
  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant("application/json") },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "application/json; charset=utf-8",
        "application/json; charset=latin1",
        "application/json; charset=utf-16",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/vnd.api+json",
        "",
      ),
    },
  );
  return fc
    .record(
      {
        authorization,
        "content-type": hasBody ? contentType : fc.constant(""),
        "x-request-id": headerValue,
        "x-runestone-overflow": fc.oneof(fc.constantFrom("wait", "queue", "reject"), headerValue),
        prefer: fc.oneof(fc.constantFrom("respond-async", "respond-async, wait=5"), headerValue),
        accept: fc.constantFrom("*/*", "application/json", "text/event-stream", "text/html", ""),
      },
      { requiredKeys: ["authorization", "content-type"] },
    )
    .map((headers) => Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== "" && v !== undefined)));
}

function oddPathRequest(context: RequestContext): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      path: fc.oneof(
        fc.constantFrom(...ODD_PATHS),
        fc.string({ unit: "grapheme", maxLength: 30 }).map((s) => `/${encodable(s)}`),
      ),
      method: fc.constantFrom(...WRONG_METHODS),
      headers: headersOf(context, true),
      body: fc.option(nastyBodyText, { nil: undefined }),
    })
    .map(({ path, method, headers, body }) => ({
      target: "(no operation)",
      method,
      url: path,
      headers,
      body: method === "GET" ? undefined : body,
    }));
}

function pick<T>(list: readonly T[], index: number): T | undefined {
  return list.length === 0 ? undefined : list[index % list.length];
}

/** Percent-encoded; a lone surrogate (which no URL can carry) becomes U+FFFD. */
function encodable(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "\ufffd"));
  }
}
