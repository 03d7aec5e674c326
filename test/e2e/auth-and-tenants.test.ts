import OpenAI, { type APIError } from "openai";
import { describe, expect, it } from "vitest";
import { isLoopback } from "../../src/http/client-origin.js";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import { useTestGateway } from "../support/test-gateway.js";

const ACME_KEY = "rsk_acme_0123456789";
const GLOBEX_KEY = "rsk_globex_0123456789";
const ADMIN_KEY = "rsk_admin_0123456789";
const hello = [{ role: "user", content: "hello" }];

describe("API keys and tenants", () => {
  const tg = useTestGateway({
    config: {
      tenants: {
        acme: { api_keys: [hashApiKey(ACME_KEY)] },
        globex: { api_keys: [`sha256:${hashApiKey(GLOBEX_KEY)}`], allowed_models: ["openai/gpt-4o-mini", "claude-*"] },
        ops: { admin_api_keys: [hashApiKey(ADMIN_KEY)] },
      },
    },
  });
  const client = (apiKey: string) => new OpenAI({ baseURL: `${tg.url}/v1`, apiKey, maxRetries: 0, fetch: tg.fetch });
  const withKey = (key: string) => ({ authorization: `Bearer ${key}` });

  it("serves a tenant's key through the OpenAI SDK", async () => {
    const answer = await client(ACME_KEY).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: hi");
    expect((await client(ACME_KEY).models.list()).data.length).toBeGreaterThan(0);
  });

  it.each([
    ["no key", {}, "missing_api_key"],
    ["an unknown key", withKey("rsk_nope"), "invalid_api_key"],
    ["a malformed header", { authorization: "Basic abc" }, "missing_api_key"],
  ])("answers %s with 401 authentication_error", async (_, headers, code) => {
    for (const path of ["/v1/chat/completions", "/v1/chat/stream"]) {
      const response = await tg.post(path, { model: "gpt-4o-mini", messages: hello }, headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { type: "authentication_error", code } });
    }
    for (const [method, path] of [
      ["GET", "/v1/models"],
      ["GET", "/v1/models/gpt-4o-mini"],
      ["GET", "/v1/jobs/job_1"],
      ["DELETE", "/v1/jobs/job_1"],
    ]) {
      const response = await tg.fetch(`${tg.url}${path}`, { method, headers });
      expect(response.status).toBe(401);
      await response.text();
    }
    expect(tg.fake.requests).toHaveLength(0);
  });

  it.each([
    ["GET", "/v1/jobs/job_1?tenant_id=globex"],
    ["DELETE", "/v1/jobs/job_1?tenant_id=globex"],
    ["GET", "/v1/usage?tenant_id=globex"],
  ])("refuses a tenant's key naming another tenant in the query: %s %s → 403", async (method, path) => {
    const response = await tg.fetch(`${tg.url}${path}`, { method, headers: withKey(ACME_KEY) });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      error: { type: "permission_error", code: "tenant_mismatch", param: "tenant_id" },
    });
  });

  it("authenticates before validating: a bad key with a bad body is 401", async () => {
    const response = await tg.post("/v1/chat/completions", { messages: "nope" }, withKey("rsk_nope"));
    expect(response.status).toBe(401);
    await response.text();
  });

  it("raises the SDK's AuthenticationError", async () => {
    const error = await client("rsk_wrong")
      .chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as APIError).error).toMatchObject({ code: "invalid_api_key" });
  });

  it("refuses a body tenant_id naming another tenant with 403 permission_error", async () => {
    for (const path of ["/v1/chat/completions", "/v1/chat/stream"]) {
      const response = await tg.post(
        path,
        { model: "gpt-4o-mini", messages: hello, tenant_id: "globex" },
        withKey(ACME_KEY),
      );
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({
        error: { type: "permission_error", code: "tenant_mismatch", param: "tenant_id" },
      });
    }
    const own = await tg.post(
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: hello, tenant_id: "acme" },
      withKey(ACME_KEY),
    );
    expect(own.status).toBe(200);
    await own.text();
  });

  it("lets an admin key act for another tenant, and refuses an unknown one", async () => {
    const forAcme = await tg.post(
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: hello, tenant_id: "acme" },
      withKey(ADMIN_KEY),
    );
    expect(forAcme.status).toBe(200);
    await forAcme.text();
    const unknown = await tg.post(
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: hello, tenant_id: "initech" },
      withKey(ADMIN_KEY),
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { param: "tenant_id" } });
  });

  it("keeps a tenant to its allowed models (403 model_not_allowed)", async () => {
    const refused = await tg.post("/v1/chat/completions", { model: "gpt-4o", messages: hello }, withKey(GLOBEX_KEY));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { type: "permission_error", code: "model_not_allowed" } });
    const allowed = await tg.post(
      "/v1/chat/completions",
      { model: "claude-haiku-4-5", messages: hello },
      withKey(GLOBEX_KEY),
    );
    expect(allowed.status).toBe(200);
    await allowed.text();
  });

  it("never sends the client's key upstream", async () => {
    const response = await tg.post(
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: hello },
      withKey(ACME_KEY),
    );
    await response.text();
    expect(JSON.stringify(tg.fake.requests.at(-1)?.headers)).not.toContain(ACME_KEY);
    expect(tg.fake.requests.at(-1)?.headers.authorization).toBe("Bearer sk-test-openai");
  });
});

describe("open mode (no keys configured)", () => {
  const tg = useTestGateway();

  it("serves loopback clients without a key, as tenant 'default'", async () => {
    const response = await tg.post("/v1/chat/stream", { model: "gpt-4o-mini", messages: hello });
    expect(response.status).toBe(200);
    await response.text();
  });

  it("tells loopback from other addresses by the socket's address", () => {
    expect(["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"].map(isLoopback)).toEqual([true, true, true, true]);
    expect(["10.0.0.5", "192.168.1.2", "::ffff:10.0.0.5", "fe80::1", undefined].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
