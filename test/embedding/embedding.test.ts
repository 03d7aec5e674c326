import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import mount from "koa-mount";
import OpenAI from "openai";
import { pino } from "pino";
import { createApp, start, type RunestoneApp, type RunningGateway } from "runestone";
import { createRunestoneClient } from "runestone/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/index.js";
import { ContractRecorder } from "../support/contract.js";

/** Runestone as a library: mounted under a prefix in another Koa app, and started on its own. */

const silent = pino({ level: "silent" });
let fake: FakeUpstream;

beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());

const providers = () => ({
  openai: { api_key: "sk-test-openai", base_url: fake.openaiBaseURL },
  anthropic: { api_key: "sk-ant-test", base_url: fake.anthropicBaseURL },
});

describe("createApp() mounted under /llm in another Koa app", () => {
  let gatewayApp: RunestoneApp;
  let server: Server;
  let url: string;
  // The spec's paths start after the prefix: the contract check strips it.
  const contract = new ContractRecorder({ pathPrefix: "/llm" });

  beforeAll(async () => {
    gatewayApp = await createApp({
      config: { providers: providers(), tenant_defaults: { max_concurrency: 1 } },
      env: {},
      logger: silent,
    });
    const host = new Koa();
    host.use(mount("/llm", gatewayApp));
    host.use(async (ctx, next) => {
      if (ctx.path === "/") ctx.body = { service: "the host app" };
      else await next();
    });
    server = createServer(host.callback());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => contract.settle());
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gatewayApp.close();
  });

  it("serves /llm/v1/models and /llm/health through the typed client", async () => {
    const client = createRunestoneClient({ baseUrl: `${url}/llm`, fetch: contract.fetch });
    const models = await client.GET("/v1/models");
    expect(models.response.status).toBe(200);
    expect(models.data?.data.map((m) => m.id)).toEqual(expect.arrayContaining(["gpt-4o-mini", "claude-haiku-4-5"]));
    const health = await client.GET("/health");
    expect(health.response.status).toBe(200);
    expect(health.data).toMatchObject({
      status: "healthy",
      components: { providers: { message: "configured: openai, anthropic" } },
    });
    expect(health.response.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("chats through the OpenAI SDK with baseURL <host>/llm/v1", async () => {
    const openai = new OpenAI({ baseURL: `${url}/llm/v1`, apiKey: "unused", maxRetries: 0, fetch: contract.fetch });
    const answer = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello!" }],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: Hello!");
  });

  it("gives a queued request's job URL under the prefix", async () => {
    fake.once("openai", { kind: "hang" });
    const controller = new AbortController();
    const holding = fetch(`${url}/llm/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hold" }] }),
      signal: controller.signal,
    }).catch(() => undefined);
    while (fake.openResponses() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const queued = await contract.fetch(`${url}/llm/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", prefer: "respond-async" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "queued" }] }),
    });
    expect(queued.status).toBe(202);
    const { job_id: id } = (await queued.json()) as { job_id: string };
    expect(queued.headers.get("location")).toBe(`/llm/v1/jobs/${id}`);
    controller.abort();
    await holding;
    const client = createRunestoneClient({ baseUrl: `${url}/llm`, fetch: contract.fetch });
    for (
      let job = await client.GET("/v1/jobs/{job_id}", { params: { path: { job_id: id } } });
      job.data?.status !== "succeeded";
      job = await client.GET("/v1/jobs/{job_id}", { params: { path: { job_id: id } } })
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it("leaves the host app's own routes alone; unknown paths under the prefix get its error shape", async () => {
    expect(await (await fetch(`${url}/`)).json()).toEqual({ service: "the host app" });
    expect((await fetch(`${url}/elsewhere`)).status).toBe(404);
    const unknown = await contract.fetch(`${url}/llm/v2/nothing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: "not_found_error", code: "unknown_url" } });
  });
});

describe("start()", () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await start({
      config: { server: { host: "127.0.0.1" }, providers: providers() },
      env: {},
      port: 0,
      logger: silent,
    });
  });
  afterAll(() => gateway.close());

  it("listens on the given port (0: a free one) with the given config", async () => {
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const contract = new ContractRecorder();
    const live = await createRunestoneClient({ baseUrl: gateway.url, fetch: contract.fetch }).GET("/health/live");
    expect(live.data).toMatchObject({ status: "ok" });
    await contract.settle();
  });

  it("refuses an invalid config with every mistake listed", async () => {
    await expect(
      start({ config: { server: { port: -1 }, routing: { policy: "fastest" } } as never, env: {}, logger: silent }),
    ).rejects.toThrow(/server\.port[\s\S]*routing\.policy/);
  });
});
