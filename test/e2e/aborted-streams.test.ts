import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openaiStream, startFakeUpstream, type FakeUpstream } from "../fake-upstream/index.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { GC_PROBE, MB, memoryAfterGc } from "../support/process-memory.js";

/**
 * Clients that leave mid-stream, a thousand times, against a real gateway process: every upstream request is
 * aborted and its socket closed, every slot comes back, and the process does not grow.
 */
const ABORTS = 1000;
const WARM_UP = 200;
const AT_ONCE = 25;
const MAX_CONCURRENCY = 50;
const METRICS_TOKEN = "metrics-token-aborted-streams";

describe.skipIf(process.platform !== "linux")(`${ABORTS} streams aborted by their clients`, () => {
  let fake: FakeUpstream;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    fake.use(() => ({
      kind: "sse",
      events: openaiStream({ content: "a long answer that never ends" }),
      hangAfterEvents: 3,
    }));
    gateway = await startGatewayProcess({
      fake,
      config: {
        tenant_defaults: { max_concurrency: MAX_CONCURRENCY, overflow: "reject" },
        metrics: { token: METRICS_TOKEN },
      },
      // Each aborted stream logs a warning (status 499); errors only, so the output keeps what matters.
      env: { REDIS_URL: undefined, NODE_OPTIONS: `--import ${GC_PROBE}`, RUNESTONE_LOG_LEVEL: "error" },
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
  }, 30_000);

  /** Starts a stream, reads its first chunk, and leaves. */
  async function abortOne(): Promise<void> {
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "tell me everything" }] }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: /);
    controller.abort();
    await reader.read().catch(() => undefined);
  }

  async function abortMany(count: number): Promise<void> {
    let started = 0;
    await Promise.all(
      Array.from({ length: AT_ONCE }, async () => {
        while (started < count) {
          started++;
          await abortOne();
        }
      }),
    );
  }

  /** Waits until the upstream saw every stream so far end by the gateway's abort, its sockets closed. */
  async function settled(total: number): Promise<void> {
    await vi.waitFor(
      () => {
        expect(fake.aborted).toBe(total);
        expect(fake.openResponses()).toBe(0);
        expect(fake.openSockets()).toBe(0);
      },
      { timeout: 10_000, interval: 20 },
    );
    await sleep(200);
  }

  it("aborts every upstream request, gives every slot back and keeps RSS flat", { timeout: 120_000 }, async () => {
    const startedAt = Date.now();
    await abortMany(WARM_UP);
    await settled(WARM_UP);
    const warm = await memoryAfterGc(gateway.pid, gateway.output);
    await abortMany(ABORTS - WARM_UP);
    await settled(ABORTS);
    const after = await memoryAfterGc(gateway.pid, gateway.output);
    const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
    console.log(
      `[aborts] ${ABORTS} aborted streams in ${Date.now() - startedAt} ms; after a full GC: heap ` +
        `${mb(warm.heapUsed)} after ${WARM_UP}, ${mb(after.heapUsed)} after ${ABORTS}; RSS ${mb(warm.rss)}, ` +
        `${mb(after.rss)}`,
    );
    expect(fake.requests).toHaveLength(ABORTS);
    // What the process retains: a leak of 5 KB per aborted stream would add 4 MB over these 800.
    expect(after.heapUsed - warm.heapUsed).toBeLessThan(4 * MB);
    expect(after.rss - warm.rss).toBeLessThan(Math.max(20 * MB, warm.rss * 0.1));

    // No slot leaked: the next request finds all but its own free, and the in-flight gauge is back to zero.
    fake.reset();
    const probe = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "still there?" }] }),
    });
    expect(probe.status).toBe(200);
    expect(probe.headers.get("x-ratelimit-remaining-requests")).toBe(String(MAX_CONCURRENCY - 1));
    await probe.text();
    const metrics = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(await metrics.text()).toMatch(/^runestone_inflight_requests\{tenant="default"\} 0$/m);
    expect(gateway.output()).not.toMatch(/internal_error/);
  });
});
