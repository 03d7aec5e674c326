import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppState } from "../../src/http/app-state.js";
import { type BodyOperation, bodyReader, operationBodyLimit } from "../../src/http/request-body.js";
import { errorHandler } from "../../src/middleware/error-handler.js";
import { requestId } from "../../src/middleware/request-id.js";

/**
 * The body reader on a real Koa server: each operation's limit is its own x-runestone-body-limit under
 * server.body_limit, and an operation that declares no request body never reads one.
 */
const OPERATIONS: Record<string, BodyOperation> = {
  "/small": { operationId: "small", requestBody: { required: true }, "x-runestone-body-limit": "1kb" },
  "/large": { operationId: "large", requestBody: { required: true }, "x-runestone-body-limit": "64mb" },
  "/default": { operationId: "default", requestBody: { required: true } },
  "/none": { operationId: "none" },
};

describe("the body limit per operation", () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const read = bodyReader(() => ({ bodyLimit: "4kb", unauthenticatedBudget: "1mb" }));
    const app = new Koa<AppState>();
    app.use(requestId);
    app.use(errorHandler);
    app.use(async (ctx) => {
      const operation = OPERATIONS[ctx.path];
      if (!operation) return;
      const body = await read(ctx, operation);
      ctx.body = { body: body ?? null };
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (path: string, bytes: number) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "x".repeat(bytes - 11) }),
    });

  it("takes an operation's own lower limit", async () => {
    expect((await post("/small", 1000)).status).toBe(200);
    const over = await post("/small", 2000);
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({
      error: { code: "request_too_large", message: expect.stringContaining("1024 bytes") },
    });
  });

  it("never goes above server.body_limit, and uses it for operations that declare none", async () => {
    expect((await post("/default", 4000)).status).toBe(200);
    expect((await post("/default", 5000)).status).toBe(413);
    expect((await post("/large", 5000)).status).toBe(413);
  });

  it("does not read a body for an operation that declares none", async () => {
    const response = await post("/none", 100_000);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ body: null });
  });

  it("refuses an extension value that is not a size", () => {
    expect(() => operationBodyLimit({ operationId: "odd", "x-runestone-body-limit": "lots" })).toThrow(/not a size/);
    expect(() => operationBodyLimit({ operationId: "odd", "x-runestone-body-limit": true })).toThrow(/size/);
    expect(operationBodyLimit({ "x-runestone-body-limit": "1.5kb" })).toBe(1536);
  });
});
