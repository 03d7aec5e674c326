import { randomUUID } from "node:crypto";
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import OpenAI from "openai";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import type { ConfigInput } from "../../src/config/schema.js";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import { startTestGateway, type TestGateway } from "../support/test-gateway.js";
import { newWebhookSecret, WebhookReceiver } from "../webhooks/support/webhook-receiver.js";
import { holdSlot as holdTenantSlot } from "../support/hold-slot.js";

interface LogLine {
  msg: string;
  level: number;
  restart_needed_for?: string[];
  keys?: string[];
}

const WEBHOOK_SECRET = newWebhookSecret();

/** A health report in which one request of acme waits for a slot. */
const waitingAcme = { components: { rate_limiter: { details: { waiting_by_tenant: { acme: 1 } } } } };

/**
 * Every key group applies live: each test edits the config file of a running gateway (on Redis) and checks the
 * effect. Each edit is the base config plus that test's changes, so it also takes back the previous test's.
 */
describe("editing the config file", () => {
  const dir = mkdtempSync(join(tmpdir(), "runestone-reload-"));
  const file = join(dir, "runestone.yaml");
  const logLines: LogLine[] = [];
  const base = {
    server: { host: "127.0.0.1" },
    redis_key_prefix: `runestone-test:${randomUUID()}:`,
    aliases: { "team-fast": "anthropic/claude-haiku-4-5" },
    webhooks: { base_delay_ms: 50 },
    tenants: { acme: { max_concurrency: 1, overflow: "queue", webhook_secret: WEBHOOK_SECRET } },
  } satisfies ConfigInput;
  let tg: TestGateway;
  let receiver: WebhookReceiver;

  /** Writes the file the way editors and Kubernetes config maps do: a new file renamed over the old one. */
  function replaceFile(content: string): void {
    writeFileSync(`${file}.tmp`, content);
    renameSync(`${file}.tmp`, file);
  }

  const reloads = () => logLines.filter((l) => l.msg === "configuration reloaded");

  let written = stringify(base);

  /** Writes the base config with `changes` laid over it; resolves once it is applied, with what needs a restart. */
  async function applyConfig(changes: Record<string, unknown> = {}): Promise<string[]> {
    const content = stringify(merge(base, changes));
    if (content === written) return [];
    written = content;
    const before = reloads().length;
    replaceFile(content);
    await vi.waitFor(() => expect(reloads().length).toBeGreaterThan(before), { timeout: 3000, interval: 20 });
    return reloads().at(-1)?.restart_needed_for ?? [];
  }

  const aliasIds = async () =>
    (await tg.openai.models.list()).data.map((m) => m.id).filter((id) => id.startsWith("team-"));

  const chat = (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    tg.post(
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }], tenant_id: "acme", ...body },
      headers,
    );

  const holdSlot = () => holdTenantSlot(tg, "acme");

  async function enqueue(body: Record<string, unknown> = {}): Promise<string> {
    const response = await chat(body);
    expect(response.status).toBe(202);
    return ((await response.json()) as { job_id: string }).job_id;
  }

  async function jobOf(id: string): Promise<{ status: string; error?: { code: string } }> {
    const response = await tg.fetch(`${tg.url}/v1/jobs/${id}?tenant_id=acme`);
    return (await response.json()) as { status: string; error?: { code: string } };
  }

  const untilJob = (id: string, status: string) =>
    vi.waitFor(async () => expect((await jobOf(id)).status).toBe(status), { timeout: 5000, interval: 50 });

  beforeAll(async () => {
    writeFileSync(file, written);
    const sink = new Writable({
      write(chunk: Buffer, _, done) {
        for (const line of chunk.toString().split("\n")) if (line) logLines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    tg = await startTestGateway({
      configFile: file,
      env: { REDIS_URL: "redis://127.0.0.1:6379" },
      logger: pino({ level: "info" }, sink),
    });
    receiver = await WebhookReceiver.start(WEBHOOK_SECRET);
  });
  afterAll(async () => {
    await tg.close();
    await receiver.close();
  });

  it("routing: aliases, fallbacks, retries and breakers", async () => {
    expect(await aliasIds()).toEqual(["team-fast"]);
    const restartNeeded = await applyConfig({
      aliases: { "team-smart": "openai/gpt-4o" },
      fallbacks: { "team-smart": ["anthropic/claude-sonnet-4-5"] },
      routing: { retry: { max_attempts: 1 }, breaker: { consecutive_failures: 1 } },
    });
    expect(restartNeeded).toEqual([]);
    expect(await aliasIds()).toEqual(["team-fast", "team-smart"]);

    tg.fake.once("openai", { kind: "error", status: 503 });
    const answer = await tg.openai.chat.completions.create({
      model: "team-smart",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer).toMatchObject({ provider: "anthropic", model: "claude-sonnet-4-5" });
    // One attempt on gpt-4o (the default is two), and that one failure opened its breaker (the default takes five).
    expect(tg.fake.requests.filter((r) => r.provider === "openai" && r.body.model === "gpt-4o")).toHaveLength(1);
    expect(await tg.gateway.runtime.breakers.state("openai:gpt-4o")).toBe("open");
  });

  it("providers: a provider added by an edit serves at once", async () => {
    const before = await tg.openai.chat.completions
      .create({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
      .catch((err: unknown) => err);
    // No provider 'local' yet: a prefix that names no provider.
    expect(before).toBeInstanceOf(OpenAI.BadRequestError);
    expect((before as Error).message).toMatch(
      /'local\/', which names no provider; this gateway knows: openai, anthropic/,
    );
    await applyConfig({ providers: { local: { base_url: tg.fake.openaiBaseURL } } });
    const after = await tg.openai.chat.completions.create({
      model: "local/gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(after).toMatchObject({ provider: "local", model: "gpt-4o-mini" });
  });

  it("tenants and tenant_defaults: limits, and API keys", async () => {
    const limitOf = async (tenant: string) =>
      (await chat({ tenant_id: tenant })).headers.get("x-ratelimit-limit-requests");
    expect([await limitOf("acme"), await limitOf("default")]).toEqual(["1", "10"]);
    await applyConfig({
      tenant_defaults: { max_concurrency: 3 },
      tenants: { acme: { requests_per_minute: 7 } },
    });
    expect([await limitOf("acme"), await limitOf("default")]).toEqual(["7", "3"]);

    const key = `sk-keyed-${randomUUID()}`;
    await applyConfig({ tenants: { keyed: { api_keys: [hashApiKey(key)] } } });
    expect((await chat({ tenant_id: undefined }, { authorization: `Bearer ${key}` })).status).toBe(200);
    // With a key configured the gateway is no longer open to loopback clients without one.
    expect((await chat({ tenant_id: undefined })).status).toBe(401);
    await applyConfig();
    expect((await chat({ tenant_id: undefined })).status).toBe(200);
  });

  it("tenants: overflow and max_wait_ms of the requests over the limit after the edit", async () => {
    const release = await holdSlot();
    await applyConfig({ tenants: { acme: { overflow: "wait", max_wait_ms: 200 } } });
    const refused = await chat();
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("within 200 ms");

    await applyConfig({ tenants: { acme: { overflow: "wait", max_wait_ms: 10_000 } } });
    const waiting = chat();
    await vi.waitFor(() => expect(tg.gateway.runtime.health.report()).resolves.toMatchObject(waitingAcme), {
      timeout: 3000,
      interval: 20,
    });
    release();
    const served = await waiting;
    expect(served.status).toBe(200);
    await served.text();
    await applyConfig();
  });

  it("queue: max_wait_ms, job_timeout_ms and max_attempts of the jobs queued after the edit", async () => {
    await applyConfig();
    const release = await holdSlot();
    const before = await enqueue({ messages: [{ role: "user", content: "queued before" }] });
    await applyConfig({ queue: { max_wait_ms: 300, job_timeout_ms: 300, max_attempts: 1 } });
    const after = await enqueue();
    await untilJob(after, "expired");
    expect((await jobOf(before)).status).toBe("queued"); // its deadline is the default's, 15 minutes

    tg.fake.once("openai", { kind: "hang" });
    release();
    await untilJob(before, "failed");
    expect((await jobOf(before)).error?.code).toBe("job_timeout");
    const runs = tg.fake.requests.filter((r) => JSON.stringify(r.body).includes("queued before"));
    expect(runs).toHaveLength(1); // max_attempts 1: the timed-out attempt is not retried (the default tries 3)
  });

  it("webhooks: a callback admitted after allowing its address is also delivered there", async () => {
    await applyConfig();
    const release = await holdSlot();
    const refused = await chat({ callback_url: receiver.url() });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { param: "callback_url" } });

    await applyConfig({ webhooks: { allow_loopback: true } });
    const id = await enqueue({ callback_url: receiver.url() });
    release();
    await untilJob(id, "succeeded");
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 5000, interval: 50 });
    expect(receiver.received[0]?.verified).toMatchObject({ ok: true, payload: { id, status: "succeeded" } });
  });

  it("limits: lease_ttl_ms of the leases granted after the edit", async () => {
    await applyConfig({ limits: { lease_ttl_ms: 1000 } });
    const release = await holdSlot();
    const { limiter } = tg.gateway.runtime;
    expect(await limiter.inFlight("acme")).toBe(1);
    // As if this replica died: the heartbeats stop, and the lease lives out its TTL (the default's is 30 s).
    await limiter.close();
    await vi.waitFor(async () => expect(await limiter.inFlight("acme")).toBe(0), { timeout: 2500, interval: 100 });
    release();
  });

  it("log_level: the logger's level", async () => {
    const { logger } = tg.gateway.runtime;
    expect(logger.level).toBe("info");
    await applyConfig({ log_level: "debug" });
    expect(logger.level).toBe("debug");
    await applyConfig();
    expect(logger.level).toBe("info");
  });

  it("metrics: who may read /metrics", async () => {
    expect((await tg.fetch(`${tg.url}/metrics`)).status).toBe(401);
    await applyConfig({ metrics: { loopback_without_token: true } });
    expect((await tg.fetch(`${tg.url}/metrics`)).status).toBe(200);
    const token = `metrics-${randomUUID()}`;
    await applyConfig({ metrics: { token } });
    expect((await tg.fetch(`${tg.url}/metrics`)).status).toBe(401);
    const authorized = await tg.fetch(`${tg.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(authorized.status).toBe(200);
  });

  it("server.body_limit: the largest body accepted", async () => {
    await applyConfig({ server: { body_limit: "1kb" } });
    const large = await chat({ messages: [{ role: "user", content: "x".repeat(2048) }] });
    expect(large.status).toBe(413);
    await applyConfig();
    expect((await chat({ messages: [{ role: "user", content: "x".repeat(2048) }] })).status).toBe(200);
  });

  it("restart-only keys: a warning names each one, and the gateway keeps its start-up values", async () => {
    const restartNeeded = await applyConfig({
      server: { host: "localhost" },
      redis_key_prefix: "runestone-test:elsewhere:",
      queue: { stall_interval_ms: 7000 },
      aliases: { "team-smart": "openai/gpt-4o" },
    });
    expect(restartNeeded).toEqual(["server.host", "redis_key_prefix", "queue.stall_interval_ms"]);
    expect(logLines.at(-1)).toMatchObject({
      msg: "these changes take effect after a restart: server.host, redis_key_prefix, queue.stall_interval_ms",
    });
    expect(await aliasIds()).toEqual(["team-fast", "team-smart"]); // the live key of the same edit did apply
    // Still on the start-up prefix: the queue and the limiter keep working with the keys they have.
    const release = await holdSlot();
    const id = await enqueue();
    release();
    await untilJob(id, "succeeded");
    await applyConfig();
  });

  it("logs a bad edit and keeps the previous configuration", async () => {
    await applyConfig({ aliases: { "team-smart": "openai/gpt-4o" } });
    written = "";
    replaceFile("aliases:\n  team-broken: [not, a, string]\nrouting:\n  policy: cheapest\n");
    await vi.waitFor(() => expect(logLines.some((l) => l.msg.includes("configuration edit refused"))).toBe(true), {
      timeout: 3000,
      interval: 50,
    });
    expect(await aliasIds()).toEqual(["team-fast", "team-smart"]);
    replaceFile("server:\n  host: 127.0.0.1\n  port: [broken\n");
    await vi.waitFor(
      () => expect(logLines.filter((l) => l.msg.includes("configuration edit refused")).length).toBe(2),
      { timeout: 3000, interval: 50 },
    );
    expect(await aliasIds()).toEqual(["team-fast", "team-smart"]);
    await tg.contract.settle();
  });
});

/** `base` with `changes` laid over it, objects merged key by key. */
function merge(base: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    const under = merged[key];
    merged[key] = isObject(under) && isObject(value) ? merge(under, value) : value === undefined ? merged[key] : value;
  }
  return merged;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
