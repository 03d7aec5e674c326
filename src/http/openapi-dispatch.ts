import { fileURLToPath } from "node:url";
import type { Next } from "koa";
import { OpenAPIBackend, type Context as ApiContext, type Document } from "openapi-backend";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import type { operations } from "../../generated/openapi.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "./app-state.js";
import { validationError } from "./validation-error.js";

export const SPEC_PATH = fileURLToPath(new URL("../../spec/openapi.yaml", import.meta.url));

const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export type OperationId = keyof operations;

type JsonBody<Operation> = Operation extends { requestBody: { content: { "application/json": infer Body } } }
  ? Body
  : undefined;
/** An operation's path or query parameters; an object without keys when it has none. */
type OperationParameters<Operation, In extends "path" | "query"> = Operation extends {
  parameters: { [Key in In]?: infer Values };
}
  ? [NonNullable<Values>] extends [never]
    ? Record<string, never>
    : NonNullable<Values>
  : never;

/** What a handler gets of its request, typed from the spec: openapi-backend has validated it before the call. */
export interface OperationInput<Id extends OperationId> {
  body: JsonBody<operations[Id]>;
  params: OperationParameters<operations[Id], "path">;
  query: OperationParameters<operations[Id], "query">;
}

export type OperationHandler<Id extends OperationId> = (
  ctx: AppContext,
  input: OperationInput<Id>,
) => Promise<void> | void;

/** One handler per operationId of the spec: a missing or misspelled one, or a wrongly typed input, fails tsc. */
export type OperationHandlers = { [Id in OperationId]: OperationHandler<Id> };

/** The handlers of some operations (a handler module's share of OperationHandlers). */
export type HandlersOf<Id extends OperationId> = Pick<OperationHandlers, Id>;

/**
 * Any operation's handler, as the dispatcher calls it: with what openapi-backend has validated against the spec the
 * handler's input type is generated from (hence the one cast, in createOpenApiDispatch).
 */
type ValidatedHandler = (ctx: AppContext, input: { body: unknown; params: unknown; query: unknown }) => unknown;

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

/**
 * openapi-backend over the spec: validates each request (validators compiled once, here) and dispatches it by
 * operationId. Unknown paths, wrong methods and invalid requests answer in the OpenAI error shape.
 */
export async function createOpenApiDispatch(
  handlers: OperationHandlers,
  security: Record<string, (ctx: AppContext) => unknown>,
) {
  const api = new OpenAPIBackend({
    definition: loadSpecForValidation(),
    strict: true,
    quick: false,
    // strictNumbers: JSON's 1e999 parses as Infinity, which no number field of the spec means.
    ajvOpts: { discriminator: true, allErrors: false, strictNumbers: true },
    customizeAjv: (ajv) => addFormats.default(ajv),
    handlers: {
      // openapi-backend passes its context first; our handlers take Koa's first, as Koa code does.
      ...Object.fromEntries(
        (Object.entries(handlers) as [OperationId, ValidatedHandler][]).map(([operationId, handler]) => [
          operationId,
          (c: ApiContext, ctx: AppContext) => {
            ctx.state.summary.operation = operationId;
            return handler(ctx, { body: c.request.requestBody, params: c.request.params, query: c.request.query });
          },
        ]),
      ),
      // A security handler that refused threw the error to answer; openapi-backend hands it over here.
      unauthorizedHandler: (c: ApiContext, ctx: AppContext) => {
        ctx.state.summary.operation = c.operation.operationId;
        const refusal = Object.values(c.security ?? {}).find(
          (result): result is { error: unknown } => typeof result === "object" && result !== null && "error" in result,
        );
        if (refusal?.error instanceof GatewayError) throw refusal.error;
        throw new GatewayError("invalid_api_key", "The request is not authorized.");
      },
      validationFail: (c: ApiContext, ctx: AppContext) => {
        ctx.state.summary.operation = c.operation.operationId;
        throw validationError(c.validation.errors);
      },
      notFound: (c: ApiContext) => {
        throw new GatewayError(
          "unknown_url",
          `Unknown request URL: ${c.request.method.toUpperCase()} ${c.request.path}.`,
        );
      },
      methodNotAllowed: (c: ApiContext, ctx: AppContext) => {
        const allowed = HTTP_METHODS.filter(
          (method) => c.api.router.matchOperation({ method, path: c.request.path, headers: {} }) !== undefined,
        );
        ctx.set("allow", allowed.join(", "));
        throw new GatewayError(
          "method_not_allowed",
          `${c.request.method.toUpperCase()} is not allowed on ${c.request.path}; use ${allowed.join(" or ")}.`,
        );
      },
    },
  });
  for (const [scheme, check] of Object.entries(security))
    api.registerSecurityHandler(scheme, (_c: ApiContext, ctx: AppContext) => check(ctx));
  await api.init();

  return async function dispatch(ctx: AppContext, next: Next): Promise<void> {
    const hasBody = ctx.request.length > 0 || ctx.get("transfer-encoding") !== "";
    if (hasBody && ctx.method === "POST" && !ctx.is("application/json")) {
      throw new GatewayError(
        "unsupported_media_type",
        "The request body must be JSON: send Content-Type: application/json.",
      );
    }
    assertDecodablePath(ctx.path);
    await api.handleRequest(
      {
        method: ctx.method,
        path: ctx.path,
        query: ctx.querystring,
        headers: ctx.headers as Record<string, string>,
        body: ctx.request.body,
      },
      ctx,
    );
    await next();
  };
}

/** Path parameters are percent-decoded by the router: a path that is not valid percent-encoding names nothing. */
function assertDecodablePath(path: string): void {
  try {
    decodeURIComponent(path);
  } catch {
    throw new GatewayError("invalid_value", `The URL path ${path} is not valid percent-encoding.`);
  }
}
