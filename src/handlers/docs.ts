import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { parse } from "yaml";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import type { HandlersOf } from "../http/openapi-dispatch.js";
import { SPEC_PATH } from "../http/spec-for-validation.js";
import { packageFile } from "../package/package-root.js";

/** The Redoc page `npm run docs` builds from the spec (committed; CI checks it is up to date). */
export const DOCS_PATH = packageFile("generated", "docs.html");

interface Document {
  body: Buffer;
  /** Built on the first request that accepts gzip (the docs page is 2.5 MB, about 700 kB gzipped). */
  gzipped?: Buffer;
  type: string;
}

function serve(ctx: AppContext, doc: Document): void {
  ctx.type = doc.type;
  ctx.set("cache-control", "no-cache");
  ctx.vary("accept-encoding");
  // Only to clients that ask for it: without Accept-Encoding (curl, say) the body goes as it is.
  if (ctx.get("accept-encoding") !== "" && ctx.acceptsEncodings("gzip", "identity") === "gzip") {
    doc.gzipped ??= gzipSync(doc.body);
    ctx.set("content-encoding", "gzip");
    ctx.body = doc.gzipped;
  } else {
    ctx.body = doc.body;
  }
}

/** GET /docs, /openapi.yaml and /openapi.json: the reference and the spec, read once, no API key needed. */
export function docsHandlers(): HandlersOf<"getDocs" | "getOpenApiYaml" | "getOpenApiJson"> {
  const yaml = readFileSync(SPEC_PATH, "utf8");
  const spec: Document = { body: Buffer.from(yaml), type: "application/yaml; charset=utf-8" };
  // Parsed on the first request for it, not at start-up (YAML parsing is slow).
  let json: Document | undefined;
  let html: Document | undefined;

  return {
    getDocs(ctx) {
      if (!html) {
        if (!existsSync(DOCS_PATH)) {
          throw new GatewayError(
            "docs_not_built",
            "The API reference has not been built: run 'npm run docs'. The spec is at /openapi.yaml.",
          );
        }
        html = { body: readFileSync(DOCS_PATH), type: "text/html; charset=utf-8" };
      }
      serve(ctx, html);
    },

    getOpenApiYaml(ctx) {
      serve(ctx, spec);
    },

    getOpenApiJson(ctx) {
      json ??= {
        body: Buffer.from(`${JSON.stringify(parse(yaml), null, 2)}\n`),
        type: "application/json; charset=utf-8",
      };
      serve(ctx, json);
    },
  };
}
