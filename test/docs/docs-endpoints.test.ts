import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createRunestoneClient } from "runestone/client";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DOCS_PATH } from "../../src/handlers/docs.js";
import { SPEC_PATH } from "../../src/http/spec-for-validation.js";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import { useTestGateway } from "../support/test-gateway.js";

describe("GET /docs, /openapi.yaml, /openapi.json", () => {
  // A gateway with keys: the docs and the spec must still need none.
  const tg = useTestGateway({ config: { tenants: { acme: { api_keys: [hashApiKey("rsk_docs_test_key")] } } } });
  const client = () => createRunestoneClient({ baseUrl: tg.url, fetch: tg.fetch });

  it("serves the spec as written, without an API key", async () => {
    const { data, response } = await client().GET("/openapi.yaml", { parseAs: "text" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/yaml/);
    expect(data).toBe(readFileSync(SPEC_PATH, "utf8"));
  });

  it("serves the same document as JSON", async () => {
    const { data, response } = await client().GET("/openapi.json");
    expect(response.status).toBe(200);
    expect(data).toEqual(parse(readFileSync(SPEC_PATH, "utf8")));
    expect(data?.info.title).toBe("Runestone API");
  });

  it("serves the Redoc page npm run docs built, gzipped when the client accepts it", async () => {
    const { data, response } = await client().GET("/docs", { parseAs: "text" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(data).toBe(readFileSync(DOCS_PATH, "utf8"));
    expect(data).toContain("<title>Runestone API</title>");

    const plain = await tg.fetch(`${tg.url}/docs`, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(await plain.text()).toBe(data);
  });

  it("sends the page as it is to a client that names no encoding (curl)", async () => {
    const { status, encoding, body } = await new Promise<{
      status: number;
      encoding: string | undefined;
      body: string;
    }>((resolve, reject) => {
      request(`${tg.url}/docs`, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, encoding: res.headers["content-encoding"], body: text }),
        );
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(200);
    expect(encoding).toBeUndefined();
    expect(body).toContain("<title>Runestone API</title>");
  });

  it("built the page from the current spec (npm run docs after editing spec/openapi.yaml)", () => {
    // The page embeds the document; a summary added to the spec must be in it.
    const html = readFileSync(DOCS_PATH, "utf8");
    const spec = parse(readFileSync(SPEC_PATH, "utf8")) as {
      paths: Record<string, Record<string, { summary?: string }>>;
    };
    const summaries = Object.values(spec.paths).flatMap((item) =>
      Object.values(item)
        .map((op) => op.summary)
        .filter((s): s is string => typeof s === "string"),
    );
    const missing = summaries.filter((summary) => !html.includes(JSON.stringify(summary).slice(1, -1)));
    expect(missing, "summaries missing from generated/docs.html: run npm run docs").toEqual([]);
  });
});
