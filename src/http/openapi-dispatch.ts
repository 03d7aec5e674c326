import type { Next } from "koa";
import { OpenAPIBackend, type Context as ApiContext, type Document, type Request } from "openapi-backend";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { operations } from "../../generated/openapi.js";
import { requestValidators, specSha256, validationSpec } from "../../generated/request-validators.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "./app-state.js";
import { PrecomputedRouter } from "./precomputed-router.js";
import { type BodyOperation, operationBodyLimit } from "./request-body.js";
import { AJV_OPTIONS, SPEC_PATH } from "./spec-for-validation.js";
import { validationError } from "./validation-error.js";

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

/** Reads the body an operation declares (undefined when it declares none or none was sent). */
export type BodyReader = (ctx: AppContext, operation: BodyOperation) => Promise<unknown>;

/**
 * openapi-backend over the spec: routes each request, checks the operation's security requirements, only then
 * reads its body (postSecurityHandler: a refused client's body is never read), validates the request and dispatches
 * it by operationId. Unknown paths, wrong methods, refusals and invalid requests answer in the OpenAI error shape.
 * The spec and its validators come from generated/request-validators.ts: Ajv compiled them at `npm run generate`
 * (compiling them here took most of the start-up), hence openapi-backend's quick mode (nothing compiled at init).
 */
export async function createOpenApiDispatch(
  handlers: OperationHandlers,
  security: Record<string, (ctx: AppContext) => unknown>,
  readBody: BodyReader,
) {
  assertValidatorsMatchSpec();
  const api = new OpenAPIBackend({
    definition: validationSpec() as Document,
    strict: true,
    quick: true,
    ajvOpts: AJV_OPTIONS,
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
      postSecurityHandler: async (c: ApiContext, ctx: AppContext, req: Request) => {
        if (!c.security?.authorized && (c.operation.security ?? []).length > 0) return;
        // The validator reads the body from `req`, the handler from `c.request`.
        req.body = await readBody(ctx, c.operation as BodyOperation);
        c.request.requestBody = req.body;
      },
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
  PrecomputedRouter.install(api);
  for (const operation of api.getOperations()) {
    operationBodyLimit(operation as BodyOperation);
    const validators = requestValidators[operation.operationId ?? ""];
    if (validators === undefined) throw new Error(`no generated validators for ${operation.operationId}`);
    api.validator.requestValidators[operation.operationId as string] = validators;
  }

  return async function dispatch(ctx: AppContext, next: Next): Promise<void> {
    assertDecodablePath(ctx.path);
    const req: Request = {
      method: ctx.method,
      path: ctx.path,
      query: ctx.querystring,
      headers: ctx.headers as Record<string, string>,
    };
    await api.handleRequest(req, ctx, req);
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

/** The generated validators and spec copy are of spec/openapi.yaml as it is now (else the spec was edited since). */
function assertValidatorsMatchSpec(): void {
  if (createHash("sha256").update(readFileSync(SPEC_PATH)).digest("hex") !== specSha256) {
    throw new Error("spec/openapi.yaml has changed since generated/request-validators.ts: run npm run generate");
  }
}
