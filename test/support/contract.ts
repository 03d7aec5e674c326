import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { OpenAPIRouter, type Document } from "openapi-backend";
import { parse as parseYaml } from "yaml";
import { validateAgainstOpenAI } from "./openai-schemas.js";
import { formatErrors, spec as specDocument, specValidator } from "./spec-schemas.js";
import { parseSse } from "./sse.js";

/**
 * Contract checking: every response a test receives from the gateway is validated against spec/openapi.yaml
 * (its operation, status and content type; each event of an event stream against the event schema; chat answers
 * also against OpenAI's own published schema), and the (operation, status) pairs seen are recorded so that a run
 * can tell which documented statuses were never exercised.
 */

type Json = Record<string, unknown>;

const spec = specDocument as unknown as Json & { paths: Record<string, Record<string, Json>> };
const router = new OpenAPIRouter({ definition: spec as unknown as Document });

export const CONTRACT_DIR =
  process.env.RUNESTONE_CONTRACT_DIR ?? join(process.cwd(), "test-output", "contract", "adhoc");

function resolveRef(node: Json): Json {
  let current = node;
  while (typeof current.$ref === "string") {
    const path = current.$ref
      .replace(/^#\//, "")
      .split("/")
      .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
    current = path.reduce<Json>((acc, key) => acc[key] as Json, spec);
  }
  return current;
}

function errorsOf(ref: string, value: unknown): string[] {
  const validate = specValidator(ref);
  return validate(value) ? [] : formatErrors(validate.errors);
}

const CHAT_OPERATIONS = new Set(["createChatCompletion", "createStreamingChatCompletion"]);
/** The Messages API's paths, which answer errors in Anthropic's shape. */
const ANTHROPIC_PATHS = /^\/v1\/messages(\/|$)/;

/** All (operationId, status) pairs the spec documents. */
export function documentedResponses(): string[] {
  const pairs: string[] = [];
  for (const methods of Object.values(spec.paths)) {
    for (const operation of Object.values(methods)) {
      const responses = operation.responses as Json | undefined;
      if (!responses) continue;
      for (const status of Object.keys(responses)) pairs.push(`${String(operation.operationId)} ${status}`);
    }
  }
  return pairs;
}

/** The `data:` payloads of a server-sent event stream. */
export function sseData(text: string): string[] {
  return parseSse(text).map((message) => message.data);
}

export interface ContractCheck {
  operationId: string | null;
  status: number;
  problems: string[];
}

/** Validates one response (already read as text) of the gateway against the spec. */
export function checkResponse(
  method: string,
  path: string,
  status: number,
  headers: Headers,
  body: string,
): ContractCheck {
  const operation = router.matchOperation({ method, path, headers: {} });
  const problems: string[] = [];
  if (!headers.get("x-request-id")) problems.push("missing x-request-id header");
  const contentType = (headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  if (!operation) {
    // Unknown paths and wrong methods belong to no operation; they still answer in the error shape of their API.
    const errorSchema = ANTHROPIC_PATHS.test(path)
      ? "#/components/schemas/AnthropicError"
      : "#/components/schemas/Error";
    problems.push(...errorsOf(errorSchema, safeJson(body, problems)).map((e) => `error body: ${e}`));
    return { operationId: null, status, problems };
  }
  const responses = operation.responses as Record<string, Json>;
  const documented = responses[String(status)];
  if (!documented) {
    problems.push(`${operation.operationId} does not document status ${status}: ${body.slice(0, 300)}`);
    return { operationId: operation.operationId ?? null, status, problems };
  }
  const response = resolveRef(documented);
  const content = (response.content ?? {}) as Record<string, Json>;
  const media = content[contentType];
  if (!media) {
    problems.push(`${operation.operationId} ${status} does not document content type '${contentType}'`);
  } else if (contentType === "text/event-stream") {
    const eventRef = (media["x-event-data"] as Json | undefined)?.$ref as string | undefined;
    if (!eventRef) problems.push("event stream without x-event-data");
    else {
      const events = sseData(body);
      if (events.length === 0) problems.push("empty event stream");
      for (const data of events) {
        if (data === "[DONE]") continue;
        const event = safeJson(data, problems);
        problems.push(...errorsOf(eventRef, event).map((e) => `event ${data.slice(0, 120)}: ${e}`));
        if (
          CHAT_OPERATIONS.has(operation.operationId ?? "") &&
          typeof event === "object" &&
          event !== null &&
          !("error" in event)
        ) {
          problems.push(
            ...validateAgainstOpenAI("ChatCompletionChunk", event).map((e) => `event vs OpenAI's schema: ${e}`),
          );
        }
      }
    }
  } else if (!isJson(contentType)) {
    // Text bodies (the HTML docs, the YAML spec, Prometheus text) are documented as strings.
    const schema = media.schema as Json;
    if (typeof schema.$ref === "string") problems.push(...errorsOf(schema.$ref, body).map((e) => `body: ${e}`));
    else if (schema.type !== "string")
      problems.push(`${operation.operationId} ${status} documents a '${contentType}' body that is not a string`);
    if (body.length === 0) problems.push("empty body");
    if (contentType === "application/yaml") {
      try {
        parseYaml(body);
      } catch (err) {
        problems.push(`not YAML: ${String(err).slice(0, 200)}`);
      }
    }
  } else {
    const schemaRef = ((media.schema as Json).$ref as string | undefined) ?? "";
    const value = safeJson(body, problems);
    problems.push(...errorsOf(schemaRef, value).map((e) => `body: ${e}`));
    if (CHAT_OPERATIONS.has(operation.operationId ?? "") && status === 200) {
      problems.push(...validateAgainstOpenAI("ChatCompletion", value).map((e) => `body vs OpenAI's schema: ${e}`));
    }
  }
  for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
    // A documented retry-after is sent "when known" unless the spec marks it required; other headers always.
    const always = name !== "retry-after" || header.required === true;
    if (always && !headers.get(name)) problems.push(`missing documented header ${name}`);
  }
  return { operationId: operation.operationId ?? null, status, problems };
}

function isJson(contentType: string): boolean {
  return contentType === "application/json" || contentType.endsWith("+json");
}

function safeJson(text: string, problems: string[]): unknown {
  try {
    return JSON.parse(text);
  } catch {
    problems.push(`not JSON: ${text.slice(0, 200)}`);
    return undefined;
  }
}

function record(check: ContractCheck): void {
  if (!check.operationId) return;
  mkdirSync(CONTRACT_DIR, { recursive: true });
  appendFileSync(join(CONTRACT_DIR, `seen-${process.pid}.txt`), `${check.operationId} ${check.status}\n`);
}

/**
 * A fetch for tests (and for the OpenAI SDK's `fetch` option) that validates each gateway response against the
 * spec. Validation of a body happens as it is read, alongside the caller; `settle()` waits for all of them and
 * reports every violation.
 */
export class ContractRecorder {
  private pending: Promise<void>[] = [];
  private violations: string[] = [];

  /** `pathPrefix`: where the gateway is mounted inside another app (`/llm`); the spec's paths start after it. */
  constructor(private readonly options: { pathPrefix?: string } = {}) {}

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const url = new URL(request.url);
    const prefix = this.options.pathPrefix ?? "";
    const path = prefix && url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) || "/" : url.pathname;
    const copy = response.clone();
    this.pending.push(
      copy.text().then(
        (body) => {
          const check = checkResponse(request.method, path, response.status, response.headers, body);
          record(check);
          for (const p of check.problems)
            this.violations.push(`${request.method} ${url.pathname} → ${response.status}: ${p}`);
        },
        () => {
          // The caller aborted the body (client-abort tests): there is no whole response to check.
        },
      ),
    );
    return response;
  };

  async settle(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
    const violations = this.violations;
    this.violations = [];
    if (violations.length > 0) throw new Error(`Responses that break the spec:\n${violations.join("\n")}`);
  }
}
