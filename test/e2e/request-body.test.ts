import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import { MB } from "../support/process-memory.js";
import { rawRequest } from "../support/raw-request.js";
import { useTestGateway } from "../support/test-gateway.js";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] };
const json = { "content-type": "application/json" };

/** `[[[...]]]` nested `depth` deep (the array itself counting as one). */
const nestedArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

/**
 * A chat request with a tool whose parameters schema nests objects so that the whole body is `depth` deep (odd
 * depths from 7), as JSON text (JSON.stringify itself cannot write thousands of levels).
 */
function toolNestedTo(depth: number): string {
  // body {1} → tools [2] → tool {3} → function {4} → parameters {5} → properties {6} → a {7} → properties {8} ...
  const levels = (depth - 5) / 2;
  const schema = `${'{"type":"object","properties":{"a":'.repeat(levels)}{"type":"string"}${"}}".repeat(levels)}`;
  const tools = `[{"type":"function","function":{"name":"deep","parameters":${schema}}}]`;
  return `${JSON.stringify(chat).slice(0, -1)},"tools":${tools}}`;
}

/** A chat request of about `kb` KB (the upstream refuses unknown fields, so the size is in the message). */
const chatOf = (kb: number) =>
  Buffer.from(JSON.stringify({ ...chat, messages: [{ role: "user", content: "x".repeat(kb * 1024) }] }));

describe("request bodies", () => {
  const tg = useTestGateway({ config: { server: { body_limit: "1mb" } } });

  const send = (body: Buffer | string, headers: Record<string, string> = {}) =>
    tg.fetch(`${tg.url}/v1/chat/completions`, { method: "POST", headers: { ...json, ...headers }, body });

  describe("nested at most 64 levels deep", () => {
    it("refuses 10,000 nested arrays in an unknown field with 400 before anything goes upstream", async () => {
      const body = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"extra":${nestedArrays(10_000)}}`;
      for (let i = 0; i < 4; i++) {
        const response = await send(body);
        expect(response.status).toBe(400);
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        expect(error).toMatchObject({ code: "invalid_json", type: "invalid_request_error" });
        expect(error.message).toContain("more than 64 levels deep");
      }
      expect(tg.fake.requests).toHaveLength(0);
      // Nothing counted against the model: it still serves.
      expect((await tg.post("/v1/chat/completions", chat)).status).toBe(200);
    });

    it("refuses a tool schema 5,000 levels deep with 400", async () => {
      const response = await send(toolNestedTo(5_001));
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "invalid_json" } });
    });

    it("accepts a body 63 deep, and refuses 65", async () => {
      const at = await send(toolNestedTo(63));
      expect(at.status).toBe(200);
      await at.text();
      const over = await send(toolNestedTo(65));
      expect(over.status).toBe(400);
      await over.text();
    });

    it("does not count brackets inside strings", async () => {
      const content = `${"[{".repeat(5_000)} \\" ${"]".repeat(100)}`;
      const response = await tg.post("/v1/chat/completions", { ...chat, messages: [{ role: "user", content }] });
      expect(response.status).toBe(200);
      await response.text();
    });
  });

  describe("content codings", () => {
    const body = Buffer.from(JSON.stringify(chat));

    it.each([
      ["gzip", gzipSync(body)],
      ["deflate", deflateSync(body)],
      ["br", brotliCompressSync(body)],
      ["GZip", gzipSync(body)],
      ["identity", body],
    ])("reads a body sent as %s", async (coding, bytes) => {
      const response = await send(bytes, { "content-encoding": coding });
      expect(response.status).toBe(200);
      await response.text();
    });

    it.each(["bogus", "gzip, br", "compress", "x-gzip"])("refuses Content-Encoding %s with 415", async (coding) => {
      const response = await send(gzipSync(body), { "content-encoding": coding });
      expect(response.status).toBe(415);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("unsupported_media_type");
      expect(error.message).toContain(`Content-Encoding '${coding}'`);
    });

    it.each([
      ["gzip", Buffer.from("this is not gzip at all")],
      ["gzip", gzipSync(body).subarray(0, 20)],
      ["deflate", Buffer.from([0x78, 0x9c, 0xff, 0xff, 0x00])],
      ["br", brotliCompressSync(body).subarray(0, 8)],
      ["br", Buffer.from("not brotli either, really")],
    ])("refuses a broken %s body with 400 invalid_body", async (coding, bytes) => {
      const response = await send(bytes, { "content-encoding": coding });
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("invalid_body");
      expect(error.message).toContain(`could not be decompressed as ${coding}`);
      expect(tg.fake.requests).toHaveLength(0);
    });

    it("applies the body limit to the decompressed size (a gzip bomb gets 413)", async () => {
      const bomb = gzipSync(Buffer.from(JSON.stringify({ ...chat, padding: "0".repeat(8 * MB) })));
      expect(bomb.length).toBeLessThan(64 * 1024);
      const response = await send(bomb, { "content-encoding": "gzip" });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: { code: "request_too_large" } });
    });
  });
});

describe("authentication before the body is read (keys configured)", () => {
  const KEY = "sk-acme-body-test";
  const tg = useTestGateway({
    config: {
      server: { body_limit: "20mb", unauthenticated_body_budget: "1mb" },
      tenants: { acme: { api_keys: [hashApiKey(KEY)] } },
    },
  });
  const large = chatOf(16 * 1024);

  it.each([
    ["no key", {}, "missing_api_key"],
    ["a wrong key", { authorization: "Bearer sk-wrong" }, "invalid_api_key"],
  ])("answers a 16 MB body with %s 401 without reading it", async (_, headers, code) => {
    const answer = await rawRequest(`${tg.url}/v1/chat/completions`, { headers: { ...json, ...headers }, body: large });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code, type: "authentication_error" } });
    expect(answer.bytesSent).toBeLessThan(large.length / 2);
  });

  it("reads the bodies of requests with a valid key outside the unauthenticated budget", async () => {
    const body = chatOf(700);
    const headers = { ...json, authorization: `Bearer ${KEY}` };
    const held = new AbortController();
    const holding = rawRequest(`${tg.url}/v1/chat/completions`, {
      headers,
      body,
      stopAfterBytes: 100 * 1024,
      signal: held.signal,
    }).catch(() => undefined);
    // Another 700 KB body alongside the held one would be over a 1 MB budget; a keyed one is not in it.
    await vi.waitFor(() => expect(tg.fake.requests).toHaveLength(0));
    const answer = await rawRequest(`${tg.url}/v1/chat/completions`, { headers, body });
    expect(answer.status).toBe(200);
    held.abort();
    await holding;
  });
});

describe("server.unauthenticated_body_budget (open mode)", () => {
  const tg = useTestGateway({ config: { server: { unauthenticated_body_budget: "1mb" } } });

  it("refuses a body that does not fit beside those being read with 503 server_busy; frees what is read", async () => {
    const held = new AbortController();
    const holding = rawRequest(`${tg.url}/v1/chat/completions`, {
      headers: json,
      body: chatOf(700),
      stopAfterBytes: 100 * 1024,
      signal: held.signal,
    }).catch(() => undefined);
    // Once the held body has its 700 KB reserved, a 400 KB one does not fit in the 1 MB budget.
    const busy = await vi.waitFor(
      async () => {
        const response = await tg.fetch(`${tg.url}/v1/chat/completions`, {
          method: "POST",
          headers: json,
          body: chatOf(400),
        });
        expect(response.status).toBe(503);
        return response;
      },
      { timeout: 5000, interval: 50 },
    );
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(await busy.json()).toMatchObject({ error: { code: "server_busy", type: "service_error", param: null } });

    // The client that held its body leaves: its reservation is given back.
    held.abort();
    await holding;
    await vi.waitFor(
      async () => {
        const response = await tg.fetch(`${tg.url}/v1/chat/completions`, {
          method: "POST",
          headers: json,
          body: chatOf(900),
        });
        expect(response.status).toBe(200);
        await response.text();
      },
      { timeout: 5000, interval: 50 },
    );
  });
});
