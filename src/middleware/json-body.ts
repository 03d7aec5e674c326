import type { Next } from "koa";
import { koaBody } from "koa-body";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";

type BodyLimit = number | string;

/**
 * JSON bodies only (koa-body), up to `limit` as configured now. The decoder turns bytes that are not UTF-8 into
 * U+FFFD without complaint, so a body holding U+FFFD whose re-encoded length differs from what arrived is refused.
 */
export function jsonBody(limit: () => BodyLimit) {
  // koa-body fixes its limit when made: one parser per limit, remade when the limit is edited.
  let parser: { limit: BodyLimit; parse: ReturnType<typeof koaBody> } | undefined;
  const parserFor = (current: BodyLimit) => {
    if (parser?.limit !== current) parser = { limit: current, parse: jsonParser(current) };
    return parser.parse;
  };

  return async function parseJsonBody(ctx: AppContext, next: Next): Promise<void> {
    await parserFor(limit())(ctx, async () => {
      const raw = (ctx.request as { rawBody?: unknown }).rawBody;
      if (typeof raw === "string" && raw.includes("\uFFFD") && !ctx.get("content-encoding")) {
        const declared = Number(ctx.get("content-length"));
        if (Number.isFinite(declared) && declared > 0 && Buffer.byteLength(raw, "utf8") !== declared) {
          throw new GatewayError("invalid_encoding", "The request body is not valid UTF-8.");
        }
      }
      await next();
    });
  };
}

function jsonParser(limit: BodyLimit) {
  return koaBody({
    json: true,
    text: false,
    urlencoded: false,
    multipart: false,
    jsonStrict: true,
    jsonLimit: limit,
    includeUnparsed: true,
  });
}
