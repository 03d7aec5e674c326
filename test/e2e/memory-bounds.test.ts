import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/index.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { MB, peakRssDuring, rssBytes } from "../support/process-memory.js";
import { rawRequest } from "../support/raw-request.js";

/**
 * Large bodies from clients without a key, measured on a real gateway process (its RSS from /proc). Before the
 * gateway authenticated ahead of reading bodies, 60 such 19 MB POSTs took it from about 200 MB to 2.1 GB.
 */
const CONCURRENT = 60;
const BODY = Buffer.from(JSON.stringify({ padding: "x".repeat(19 * MB) }));

describe.skipIf(process.platform !== "linux")("anonymous large bodies keep the gateway's memory bounded", () => {
  let fake: FakeUpstream;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    fake = await startFakeUpstream();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await fake.close();
  }, 30_000);

  async function burst(gateway: GatewayProcess) {
    // Warm up (JIT, pools) so that the baseline is the gateway's resting size.
    for (let i = 0; i < 3; i++) await rawRequest(`${gateway.url}/v1/models`, { method: "GET" });
    const before = rssBytes(gateway.pid);
    const { result, peak } = await peakRssDuring(gateway.pid, () =>
      Promise.all(
        Array.from({ length: CONCURRENT }, () =>
          rawRequest(`${gateway.url}/v1/chat/completions`, {
            headers: { "content-type": "application/json" },
            body: BODY,
          }),
        ),
      ),
    );
    const statuses: Record<number, number> = {};
    for (const answer of result) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const growth = peak - before;
    console.log(
      `[memory] ${CONCURRENT} concurrent ${(BODY.length / MB).toFixed(0)} MB anonymous POSTs: RSS ` +
        `${(before / MB).toFixed(0)} MB → peak ${(peak / MB).toFixed(0)} MB (+${(growth / MB).toFixed(0)} MB); ` +
        `statuses ${JSON.stringify(statuses)}`,
    );
    return { result, growth, statuses };
  }

  it("refuses them with 401 before reading them when keys are configured", { timeout: 60_000 }, async () => {
    const gateway = await startGatewayProcess({
      name: "keyed",
      fake,
      config: { tenants: { acme: { api_keys: [hashApiKey("sk-acme-memory")] } } },
      env: { REDIS_URL: undefined },
    });
    gateways.push(gateway);
    const { result, growth, statuses } = await burst(gateway);
    expect(statuses).toEqual({ 401: CONCURRENT });
    for (const answer of result) expect(JSON.parse(answer.text)).toMatchObject({ error: { code: "missing_api_key" } });
    // The answer came long before the body could have been read: most of each body was never sent.
    expect(Math.max(...result.map((a) => a.bytesSent))).toBeLessThan(BODY.length / 2);
    expect(growth).toBeLessThan(100 * MB);
  });

  it("reads them in open mode only within server.unauthenticated_body_budget, refusing the rest with 503", {
    timeout: 60_000,
  }, async () => {
    const gateway = await startGatewayProcess({ name: "open", fake, config: {}, env: { REDIS_URL: undefined } });
    gateways.push(gateway);
    const { result, growth, statuses } = await burst(gateway);
    // The default budget (64 MB) holds three of these bodies at a time; read, each misses `messages` (400).
    expect(statuses[400]).toBeGreaterThanOrEqual(3);
    expect(statuses[503]).toBeGreaterThan(0);
    expect((statuses[400] ?? 0) + (statuses[503] ?? 0)).toBe(CONCURRENT);
    const busy = result.find((a) => a.status === 503);
    expect(busy?.headers["retry-after"]).toBe("1");
    expect(JSON.parse(busy?.text ?? "{}")).toMatchObject({ error: { code: "server_busy", type: "service_error" } });
    // Three 19 MB bodies at a time, each held as bytes, text and parsed value for a moment.
    expect(growth).toBeLessThan(300 * MB);
  });
});
