import type { Next } from "koa";
import { OpenAPIBackend, type Context as ApiContext, type Document } from "openapi-backend";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { GatewayError } from "../errors.js";
import { packageFile } from "../package/package-root.js";
import type { AppContext } from "./app-state.js";
import { validationError } from "./validation-error.js";

export const SPEC_PATH = packageFile("spec", "openapi.yaml");

export type OperationHandler = (ctx: AppContext, api: ApiContext) => Promise<void> | void;

/** One handler per operationId of the spec. */
const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export type OperationHandlers = Record<string, OperationHandler>;

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
    ajvOpts: { discriminator: true, allErrors: false },
    customizeAjv: (ajv) => addFormats.default(ajv),
    handlers: {
      // openapi-backend passes its context first; our handlers take Koa's first, as Koa code does.
      ...Object.fromEntries(
        Object.entries(handlers).map(([operationId, handler]) => [
          operationId,
          (c: ApiContext, ctx: AppContext) => {
            ctx.state.summary.operation = operationId;
            return handler(ctx, c);
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
        throw new GatewayError({
          status: 401,
          type: "authentication_error",
          code: "invalid_api_key",
          message: "The request is not authorized.",
        });
      },
      validationFail: (c: ApiContext, ctx: AppContext) => {
        ctx.state.summary.operation = c.operation.operationId;
        throw validationError(c.validation.errors);
      },
      notFound: (c: ApiContext) => {
        throw new GatewayError({
          status: 404,
          type: "not_found_error",
          code: "unknown_url",
          message: `Unknown request URL: ${c.request.method.toUpperCase()} ${c.request.path}.`,
        });
      },
      methodNotAllowed: (c: ApiContext, ctx: AppContext) => {
        const allowed = HTTP_METHODS.filter(
          (method) => c.api.router.matchOperation({ method, path: c.request.path, headers: {} }) !== undefined,
        );
        ctx.set("allow", allowed.join(", "));
        throw new GatewayError({
          status: 405,
          type: "invalid_request_error",
          code: "method_not_allowed",
          message: `${c.request.method.toUpperCase()} is not allowed on ${c.request.path}; use ${allowed.join(" or ")}.`,
        });
      },
    },
  });
  for (const [scheme, check] of Object.entries(security))
    api.registerSecurityHandler(scheme, (_c: ApiContext, ctx: AppContext) => check(ctx));
  await api.init();

  return async function dispatch(ctx: AppContext, next: Next): Promise<void> {
    const hasBody = ctx.request.length > 0 || ctx.get("transfer-encoding") !== "";
    if (hasBody && ctx.method === "POST" && !ctx.is("application/json")) {
      throw new GatewayError({
        status: 415,
        type: "invalid_request_error",
        code: "unsupported_media_type",
        message: "The request body must be JSON: send Content-Type: application/json.",
      });
    }
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
