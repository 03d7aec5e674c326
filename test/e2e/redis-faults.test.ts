import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis.js";
import { startTestGateway, type TestGateway } from "../support/test-gateway.js";
import { holdSlot as holdTenantSlot } from "../support/hold-slot.js";

/** A prompt that must never reach a log line. */
const SECRET = `secret-prompt-${randomUUID()}`;

describe("Redis faults (a private redis-server restarted, stopped and frozen under the gateway)", () => {
  let redis: PrivateRedis;
  let tg: TestGateway;
  const logLines: string[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const logSink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    tg = await startTestGateway({
      env: { REDIS_URL: redis.url },
      logger: pino({ level: "info" }, logSink),
      config: {
        redis_key_prefix: `runestone-test:${randomUUID()}:`,
        queue: { stall_interval_ms: 1000 },
        tenants: { acme: { max_concurrency: 1, overflow: "queue" } },
      },
    });
  });
  afterAll(async () => {
    redis.thaw();
    await tg?.close();
    await redis?.stop();
  });

  const chat = (content = SECRET) =>
    tg.post("/v1/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content }],
      tenant_id: "acme",
    });

  const holdSlot = () => holdTenantSlot(tg, "acme");

  /** Queues a chat behind a held slot, frees the slot and waits for the job to succeed. */
  async function queueAndRun(): Promise<void> {
    const release = await holdSlot();
    const queued = await chat();
    expect(queued.status).toBe(202);
    const { job_id: jobId } = (await queued.json()) as { job_id: string };
    release();
    await vi.waitFor(
      async () => {
        const job = await tg.fetch(`${tg.url}/v1/jobs/${jobId}?tenant_id=acme`);
        expect(((await job.json()) as { status: string }).status).toBe("succeeded");
      },
      { timeout: 10_000, interval: 100 },
    );
  }

  async function waitUntilReady(): Promise<void> {
    await vi.waitFor(async () => expect((await tg.fetch(`${tg.url}/health/ready`)).status).toBe(200), {
      timeout: 10_000,
      interval: 100,
    });
  }

  async function expectPrompt503(response: Response): Promise<void> {
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("state_backend_unavailable");
    expect(error.message).toContain(`Redis at 127.0.0.1:${redis.port}`);
    expect(error.message).not.toMatch(/enableOfflineQueue|Stream isn't writeable|ioredis/);
  }

  it("keeps queueing after a Redis restart (its scripts lost: NOSCRIPT), without a gateway restart", async () => {
    await queueAndRun();
    await redis.restart();
    await waitUntilReady();
    await queueAndRun();
    await queueAndRun();
    const health = await tg.fetch(`${tg.url}/health`);
    const report = (await health.json()) as { components: Record<string, { status: string }> };
    expect(report.components.overflow_queue?.status).toBe("healthy");
    expect(report.components.rate_limiter?.status).toBe("healthy");
  }, 30_000);

  it("answers 503 naming Redis while it is stopped, reports it unhealthy, and recovers by itself", async () => {
    const release = await holdSlot();
    const queued = await chat();
    expect(queued.status).toBe(202);
    const { job_id: jobId } = (await queued.json()) as { job_id: string };
    await redis.stop();

    await expectPrompt503(await chat());
    await expectPrompt503(await tg.fetch(`${tg.url}/v1/jobs/${jobId}?tenant_id=acme`));
    await expectPrompt503(await tg.fetch(`${tg.url}/v1/jobs/${jobId}?tenant_id=acme`, { method: "DELETE" }));
    const health = await tg.fetch(`${tg.url}/health`);
    expect(health.status).toBe(503);
    const report = (await health.json()) as { components: Record<string, { status: string }> };
    expect(report.components.state_backend?.status).toBe("unhealthy");
    expect(report.components.overflow_queue?.status).toBe("unhealthy");
    release();

    await redis.start();
    await waitUntilReady();
    const served = await chat("after the restart");
    expect(served.status).toBe(200);
    await queueAndRun();
  }, 30_000);

  it("answers 503 within 3 s while Redis is frozen (SIGSTOP) under load, and serves again once it thaws", async () => {
    redis.freeze();
    try {
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 12 }, () => chat()));
      const elapsedMs = performance.now() - started;
      for (const answer of answers) await expectPrompt503(answer);
      expect(elapsedMs).toBeLessThan(3_000);

      const healthStarted = performance.now();
      const health = await tg.fetch(`${tg.url}/health`);
      expect(health.status).toBe(503);
      await health.text();
      expect(performance.now() - healthStarted).toBeLessThan(3_000);
    } finally {
      redis.thaw();
    }
    await waitUntilReady();
    await vi.waitFor(async () => expect((await chat("thawed")).status).toBe(200), { timeout: 5_000, interval: 100 });
    await queueAndRun();
  }, 30_000);

  it("never writes a prompt to the log, whatever failed", () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join("\n")).not.toContain(SECRET);
  });
});
