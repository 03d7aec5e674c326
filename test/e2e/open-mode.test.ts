import { describe, expect, it } from "vitest";
import { MB } from "../support/process-memory.js";
import { rawRequest } from "../support/raw-request.js";
import { useTestGateway } from "../support/test-gateway.js";

/**
 * Open mode (no API keys configured) serves clients on the gateway's own machine without a key, and nobody else:
 * not through a local reverse proxy (every client of which comes from 127.0.0.1), not on a gateway listening beyond
 * loopback, unless `auth.open: true` says so; and only the tenants the config names.
 */
const hello = [{ role: "user", content: "hello" }];
const chat = { model: "gpt-4o-mini", messages: hello };

describe("open mode on a loopback gateway", () => {
  const tg = useTestGateway({ config: { tenants: { team: { max_concurrency: 2 } } } });

  it("serves a loopback client without a key", async () => {
    const response = await tg.post("/v1/chat/completions", chat);
    expect(response.status).toBe(200);
    await response.text();
  });

  it.each([
    ["x-forwarded-for", "203.0.113.9"],
    ["forwarded", "for=203.0.113.9;proto=https"],
    ["x-real-ip", "203.0.113.9"],
  ])(
    "refuses a request carrying %s (it came through a proxy) with 401, before reading its body",
    async (name, value) => {
      const response = await tg.post("/v1/chat/completions", chat, { [name]: value });
      expect(response.status).toBe(401);
      const { error } = (await response.json()) as { error: { message: string } };
      expect(error).toMatchObject({ type: "authentication_error", code: "no_api_keys_configured", param: null });
      expect(error.message).toContain(`came through a proxy (it carries ${name})`);
      expect(error.message).toContain("auth.open");
      expect(tg.fake.requests).toHaveLength(0);

      const large = await rawRequest(`${tg.url}/v1/chat/completions`, {
        headers: { "content-type": "application/json", [name]: value },
        body: Buffer.from(JSON.stringify({ ...chat, padding: "x".repeat(16 * MB) })),
      });
      expect(large.status).toBe(401);
      expect(large.bytesSent).toBeLessThan(8 * MB);
    },
  );

  it("accepts tenant_id 'default' or a configured tenant, and refuses any other with 400", async () => {
    for (const tenant of ["default", "team"]) {
      const response = await tg.post("/v1/chat/completions", { ...chat, tenant_id: tenant });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-ratelimit-limit-requests")).toBe(tenant === "team" ? "2" : "10");
      await response.text();
    }
    const refused = await tg.post("/v1/chat/stream", { ...chat, tenant_id: "made-up" });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "invalid_value", param: "tenant_id" },
    });
    expect(tg.fake.requests).toHaveLength(2);
  });

  it("refuses a made-up tenant_id when reading or cancelling jobs and usage", async () => {
    const requests: [string, string][] = [
      ["GET", "/v1/jobs/job_1?tenant_id=made-up"],
      ["DELETE", "/v1/jobs/job_1?tenant_id=made-up"],
      ["GET", "/v1/usage?tenant_id=made-up"],
    ];
    for (const [method, path] of requests) {
      const response = await tg.fetch(`${tg.url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "invalid_value", param: "tenant_id" } });
    }
  });

  it("keeps /metrics for the metrics token: loopback clients need it too by default", async () => {
    const response = await tg.fetch(`${tg.url}/metrics`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "missing_api_key" } });
  });
});

describe("open mode on a gateway listening beyond loopback (0.0.0.0)", () => {
  const tg = useTestGateway({ config: { server: { host: "0.0.0.0" } } });

  it("refuses even a loopback client without a key", async () => {
    const response = await tg.post("/v1/chat/completions", chat);
    expect(response.status).toBe(401);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("no_api_keys_configured");
    expect(error.message).toContain("listens on 0.0.0.0, beyond loopback");
    expect(tg.fake.requests).toHaveLength(0);
  });
});

describe("open mode with auth.open: true", () => {
  const tg = useTestGateway({ config: { server: { host: "0.0.0.0" }, auth: { open: true } } });

  it("serves clients behind a proxy, on a gateway listening beyond loopback", async () => {
    const response = await tg.post("/v1/chat/completions", chat, { "x-forwarded-for": "203.0.113.9" });
    expect(response.status).toBe(200);
    await response.text();
  });

  it("still bounds the tenants to the configured ones", async () => {
    const response = await tg.post("/v1/chat/completions", { ...chat, tenant_id: "made-up" });
    expect(response.status).toBe(400);
    await response.text();
  });
});

describe("/metrics with metrics.loopback_without_token", () => {
  const tg = useTestGateway({ config: { metrics: { loopback_without_token: true } } });

  it("serves loopback clients without the token, but not requests that came through a proxy", async () => {
    const direct = await tg.fetch(`${tg.url}/metrics`);
    expect(direct.status).toBe(200);
    await direct.text();
    const proxied = await tg.fetch(`${tg.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(proxied.status).toBe(401);
    expect(await proxied.json()).toMatchObject({ error: { code: "missing_api_key" } });
  });
});
