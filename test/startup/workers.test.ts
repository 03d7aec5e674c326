import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import { openaiCompletion, startFakeUpstream, type FakeUpstream } from "../fake-upstream/index.js";
import { REDIS_URL, startGatewayProcess } from "../support/gateway-process.js";

/** RUNESTONE_WORKERS=N: node:cluster workers that share their state through Redis, and refuse the memory backend. */

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const API_KEY = "sk-runestone-workers-test";

/** A POST on a connection of its own: node:cluster hands each new connection to the next worker in turn. */
function postOnNewConnection(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/chat/completions`,
      {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
      },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.once("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** The worker ids of the JSON log lines with this message. */
function workersLogging(output: string, message: RegExp): Set<number> {
  const ids = new Set<number>();
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as { msg?: string; worker?: number };
    if (entry.worker !== undefined && message.test(entry.msg ?? "")) ids.add(entry.worker);
  }
  return ids;
}

describe("RUNESTONE_WORKERS", () => {
  let fake: FakeUpstream;
  let redis: Redis;
  const prefix = `runestone-test:workers:${randomUUID()}:`;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 200 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
    await fake.close();
  });

  it("runs 2 workers with Redis: both serve, and one per-minute limit of a tenant holds across them", async () => {
    fake.use(() => ({ kind: "json", body: openaiCompletion({ model: "gpt-4o-mini", content: "pong" }) }));
    const gateway = await startGatewayProcess({
      name: "workers",
      fake,
      env: { RUNESTONE_WORKERS: "2", RUNESTONE_LOG_LEVEL: "info" },
      config: {
        redis_key_prefix: prefix,
        tenants: { acme: { api_keys: [hashApiKey(API_KEY)], requests_per_minute: 3, overflow: "reject" } },
      },
    });
    try {
      for (let i = 0; i < 200 && workersLogging(gateway.output(), /listening on/).size < 2; i++) await sleep(100);
      expect(workersLogging(gateway.output(), /listening on/)).toEqual(new Set([1, 2]));

      const statuses: number[] = [];
      const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "ping" }] };
      for (let i = 0; i < 6; i++) statuses.push(await postOnNewConnection(gateway.url, body));
      // Each worker admitting 3 of its own would let all 6 through.
      expect(statuses.filter((status) => status === 200)).toHaveLength(3);
      expect(statuses.filter((status) => status === 429)).toHaveLength(3);
      for (let i = 0; i < 50 && workersLogging(gateway.output(), /^request$/).size < 2; i++) await sleep(100);
      expect(workersLogging(gateway.output(), /^request$/)).toEqual(new Set([1, 2]));
    } finally {
      expect((await gateway.stop()).code).toBe(0);
    }
  }, 60_000);

  it("refuses to start 2 workers with the memory backend, saying why", async () => {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(RUNESTONE_|REDIS_URL$)/.test(key)),
    );
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: REPO_ROOT,
      env: { ...inherited, RUNESTONE_WORKERS: "2", PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toContain("RUNESTONE_WORKERS=2 needs the Redis state backend (REDIS_URL or redis_url)");
  }, 30_000);
});
