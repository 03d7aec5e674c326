import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { OpenAPIRouter, type Document } from "openapi-backend";
import { loadSpecForValidation } from "../../src/http/openapi-dispatch.js";

/**
 * Contract checking: every response a test receives from the gateway is validated against spec/openapi.yaml
 * (its operation, status and content type; each event of an event stream against the event schema), and the
 * (operation, status) pairs seen are recorded so that a run can tell which documented statuses were never exercised.
 */

type Json = Record<string, unknown>;

const spec = loadSpecForValidation() as unknown as Json & { paths: Record<string, Record<string, Json>> };
const router = new OpenAPIRouter({ definition: spec as unknown as Document });
const ajv = new Ajv({ strict: false, discriminator: true, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(spec, "spec");

export const CONTRACT_DIR = process.env.RUNESTONE_CONTRACT_DIR ?? join(process.cwd(), "test-output", "contract", "adhoc");

function pointer(ref: string): string {
  return `spec${ref}`;
}

function resolveRef(node: Json): Json {
  let current = node;
  while (typeof current.$ref === "string") {
    const path = current.$ref.replace(/^#\//, "").split("/").map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
    current = path.reduce<Json>((acc, key) => acc[key] as Json, spec);
  }
  return current;
}

const validators = new Map<string, ValidateFunction>();
function validatorFor(ref: string): ValidateFunction {
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.getSchema(pointer(ref)) ?? ajv.compile({ $ref: pointer(ref) });
    validators.set(ref, validate);
  }
  return validate;
}

function errorsOf(validate: ValidateFunction, value: unknown): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

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
  return text
    .split(/\r?\n\r?\n/)
    .map((event) => event.split(/\r?\n/).filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n"))
    .filter((data) => data.length > 0);
}

export interface ContractCheck {
  operationId: string | null;
  status: number;
  problems: string[];
}

/** Validates one response (already read as text) of the gateway against the spec. */
export function checkResponse(method: string, path: string, status: number, headers: Headers, body: string): ContractCheck {
  const operation = router.matchOperation({ method, path, headers: {} });
  const problems: string[] = [];
  if (!headers.get("x-request-id")) problems.push("missing x-request-id header");
  const contentType = (headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  if (!operation) {
    // Unknown paths and wrong methods belong to no operation; they still answer in the error shape.
    problems.push(...errorsOf(validatorFor("#/components/schemas/Error"), safeJson(body, problems)).map((e) => `error body: ${e}`));
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
        problems.push(...errorsOf(validatorFor(eventRef), safeJson(data, problems)).map((e) => `event ${data.slice(0, 120)}: ${e}`));
      }
    }
  } else {
    const schemaRef = ((media.schema as Json).$ref as string | undefined) ?? "";
    problems.push(...errorsOf(validatorFor(schemaRef), safeJson(body, problems)).map((e) => `body: ${e}`));
  }
  for (const name of Object.keys((response.headers ?? {}) as Json)) {
    // retry-after is documented as "when known"; every other documented header is always sent.
    if (name !== "retry-after" && !headers.get(name)) problems.push(`missing documented header ${name}`);
  }
  return { operationId: operation.operationId ?? null, status, problems };
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

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const url = new URL(request.url);
    const copy = response.clone();
    this.pending.push(
      copy.text().then(
        (body) => {
          const check = checkResponse(request.method, url.pathname, response.status, response.headers, body);
          record(check);
          for (const p of check.problems) this.violations.push(`${request.method} ${url.pathname} → ${response.status}: ${p}`);
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
