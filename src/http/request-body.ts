import { HttpMethodEnum, koaBody } from "koa-body";
import { toBytes } from "../config/byte-size.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "./app-state.js";
import { ByteBudget } from "./body-budget.js";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-depth.js";

/** The spec's operation extension that lowers the body limit of one operation below server.body_limit. */
export const BODY_LIMIT_EXTENSION = "x-runestone-body-limit";

const JSON_TYPES = ["application/json", "application/*+json"];
const CODINGS = new Set(["identity", "gzip", "deflate", "br"]);

export interface BodySettings {
  /** server.body_limit: the largest body of any operation. */
  bodyLimit: number | string;
  /** server.unauthenticated_body_budget */
  unauthenticatedBudget: number | string;
}

/** An operation of the spec, as far as reading its body goes. */
export interface BodyOperation {
  operationId?: string;
  requestBody?: unknown;
  [BODY_LIMIT_EXTENSION]?: unknown;
}

/** The operation's own body limit in bytes, if it declares one; throws at start-up for a value that is no size. */
export function operationBodyLimit(operation: BodyOperation): number | undefined {
  const declared = operation[BODY_LIMIT_EXTENSION];
  if (declared === undefined) return undefined;
  if (typeof declared !== "number" && typeof declared !== "string")
    throw new Error(`${operation.operationId}: ${BODY_LIMIT_EXTENSION} must be a size such as 1mb`);
  return toBytes(declared);
}

/**
 * Reads and parses an operation's JSON body, after its security requirements have been checked (so a client
 * without a key is refused before a byte of its body is read). The limit is the operation's own
 * (x-runestone-body-limit in the spec) under server.body_limit. A request that no key vouches for (open mode)
 * reads within a budget of bytes shared by all such requests. The body must be JSON, in a content coding Node can
 * decode, valid UTF-8, and nested at most MAX_JSON_DEPTH deep; every refusal is a 4xx in the OpenAI error shape.
 */
export function bodyReader(settings: () => BodySettings) {
  const budget = new ByteBudget(() => toBytes(settings().unauthenticatedBudget));
  const readers = new Map<number, ReturnType<typeof textReader>>();
  const readerFor = (limit: number) => {
    const reader = readers.get(limit) ?? textReader(limit);
    readers.set(limit, reader);
    return reader;
  };

  return async function readJsonBody(ctx: AppContext, operation: BodyOperation): Promise<unknown> {
    if (operation.requestBody === undefined) return undefined;
    // No body for a required one: an empty object, so that validation names the fields that are missing.
    if (!hasBody(ctx)) return isRequired(operation.requestBody) ? {} : undefined;
    if (!ctx.is(JSON_TYPES)) {
      throw new GatewayError(
        "unsupported_media_type",
        "The request body must be JSON: send Content-Type: application/json.",
      );
    }
    const coding = contentCoding(ctx);
    const limit = Math.min(toBytes(settings().bodyLimit), operationBodyLimit(operation) ?? Number.POSITIVE_INFINITY);
    const declared = coding === "identity" ? declaredLength(ctx) : undefined;
    if (declared !== undefined && declared > limit) throw tooLarge(limit);
    const release = ctx.state.credentialed ? () => undefined : reserve(budget, declared ?? limit);
    let text: string;
    try {
      text = await readText(ctx, readerFor(limit), coding, limit);
    } finally {
      release();
    }
    // koa-body left the text on ctx.request.body, which lives as long as the request (a stream's minutes).
    ctx.request.body = undefined;
    return parseJson(ctx, text, coding);
  };
}

function reserve(budget: ByteBudget, bytes: number): () => void {
  const release = budget.tryReserve(bytes);
  if (release) return release;
  throw new GatewayError(
    "server_busy",
    "Too many request bodies without an API key are being read at once (server.unauthenticated_body_budget); " +
      "retry shortly, or send an API key.",
    { retryAfterMs: 1000 },
  );
}

function isRequired(requestBody: unknown): boolean {
  return typeof requestBody === "object" && requestBody !== null && "required" in requestBody && !!requestBody.required;
}

function hasBody(ctx: AppContext): boolean {
  return ctx.request.length > 0 || ctx.get("transfer-encoding") !== "";
}

function declaredLength(ctx: AppContext): number | undefined {
  const length = ctx.get("content-length");
  return /^\d+$/.test(length) ? Number(length) : undefined;
}

/** The body's content coding, lower-cased for the decoder (which compares it as written); 415 for any other. */
function contentCoding(ctx: AppContext): string {
  const header = ctx.get("content-encoding");
  const coding = header.trim().toLowerCase() || "identity";
  if (!CODINGS.has(coding)) {
    throw new GatewayError(
      "unsupported_media_type",
      `Content-Encoding '${header}' is not supported: send the body uncompressed, or as gzip, deflate or br.`,
    );
  }
  if (header !== "" && header !== coding) ctx.req.headers["content-encoding"] = coding;
  return coding;
}

/** koa-body, set to hand over JSON bodies as text so that their depth is checked before JSON.parse. */
function textReader(limit: number) {
  return koaBody({
    json: false,
    urlencoded: false,
    multipart: false,
    text: true,
    textTypes: JSON_TYPES,
    textLimit: limit,
    parsedMethods: [HttpMethodEnum.POST, HttpMethodEnum.PUT, HttpMethodEnum.PATCH, HttpMethodEnum.DELETE],
  });
}

/** Errors of the body reader (raw-body's http-errors, zlib's) as the client's mistakes they are. */
interface ReadError {
  status?: number;
  type?: string;
  code?: string;
  message?: string;
}

async function readText(
  ctx: AppContext,
  reader: ReturnType<typeof textReader>,
  coding: string,
  limit: number,
): Promise<string> {
  try {
    await reader(ctx, async () => undefined);
  } catch (caught) {
    const err = caught as ReadError;
    if (err.type === "request.aborted") throw caught;
    if (err.type === "entity.too.large") throw tooLarge(limit, caught);
    if (err.type === "request.size.invalid")
      throw new GatewayError("invalid_body", "The request body is shorter or longer than its Content-Length.", {
        cause: caught,
      });
    if (err.type === "encoding.unsupported" || err.type === "charset.unsupported")
      throw new GatewayError("unsupported_media_type", "The request body must be JSON encoded as UTF-8.", {
        cause: caught,
      });
    if (coding !== "identity" && err.status === undefined)
      throw new GatewayError(
        "invalid_body",
        `The request body could not be decompressed as ${coding}: ${err.message ?? "corrupt data"}.`,
        { cause: caught },
      );
    throw caught;
  }
  const text = ctx.request.body;
  return typeof text === "string" ? text : "";
}

function tooLarge(limit: number, cause?: unknown): GatewayError {
  return new GatewayError(
    "request_too_large",
    `The request body is larger than this operation accepts (${limit} bytes; server.body_limit).`,
    cause === undefined ? {} : { cause },
  );
}

function parseJson(ctx: AppContext, text: string, coding: string): unknown {
  // The decoder turns bytes that are not UTF-8 into U+FFFD without complaint: a body holding U+FFFD whose
  // re-encoded length differs from what arrived was not UTF-8.
  if (coding === "identity" && text.includes("\uFFFD")) {
    const declared = declaredLength(ctx);
    if (declared !== undefined && declared > 0 && Buffer.byteLength(text, "utf8") !== declared) {
      throw new GatewayError("invalid_encoding", "The request body is not valid UTF-8.");
    }
  }
  const start = text.trimStart()[0];
  if (start !== "{" && start !== "[") {
    throw new GatewayError("invalid_json", "We could not parse the JSON body of your request. Send a JSON object.");
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new GatewayError(
      "invalid_json",
      `The JSON body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; this gateway accepts ` +
        `at most ${MAX_JSON_DEPTH}.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new GatewayError(
      "invalid_json",
      `We could not parse the JSON body of your request: ${(err as Error).message}. Send valid JSON.`,
      { cause: err },
    );
  }
}
