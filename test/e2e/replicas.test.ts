import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ConfigInput } from "../../src/config/schema.js";
import { redisKeys } from "../../src/state/redis-keys.js";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import {
  openaiCompletion,
  startFakeUpstream,
  type FakeUpstream,
  type RecordedRequest,
} from "../fake-upstream/index.js";
import { ContractRecorder } from "../support/contract.js";
import { REDIS_URL, startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";

/**
 * Gateways as separate OS processes (`npm start`'s entry point) that share nothing but Redis: the per-tenant
 * concurrency limit holds across replicas, and queued jobs survive a replica that is SIGKILLed.
 */

const API_KEY = "sk-runestone-replicas-test";

interface JobBody {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled" | "expired";
  request_id: string;
  result?: { object: string; request_id?: string; choices: Array<{ message: { content: string | null } }> };
  error?: { message: string; code: string | null };
}

function lastUserText(request: RecordedRequest): string {
  const messages = Array.isArray(request.body.messages)
    ? (request.body.messages as Array<{ role?: string; content?: unknown }>)
    : [];
  const content = messages.filter((m) => m.role === "user").at(-1)?.content;
  return typeof content === "string" ? content : "";
}

function isChat(request: RecordedRequest): boolean {
  return request.provider === "openai" && request.path === "/v1/chat/completions";
}

describe("gateway replicas as separate processes sharing Redis", () => {
  let redis: Redis;
  let fake: FakeUpstream;
  let contract: ContractRecorder;
  const prefixes: string[] = [];
  const processes: GatewayProcess[] = [];

  function newPrefix(): string {
    const prefix = `runestone-test:replicas:${randomUUID()}:`;
    prefixes.push(prefix);
    return prefix;
  }

  async function start(name: string, config: ConfigInput): Promise<GatewayProcess> {
    const gateway = await startGatewayProcess({ name, config, fake, fetch: contract.fetch });
    processes.push(gateway);
    return gateway;
  }

  function post(gateway: GatewayProcess, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return contract.fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}`, ...headers },
      body: JSON.stringify(body),
    });
  }

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    fake = await startFakeUpstream();
  });

  afterEach(async (context) => {
    const failed = context.task.result?.state === "fail";
    for (const gateway of processes.splice(0)) {
      const exit = await gateway.stop();
      if (failed)
        console.log(
          `--- output of gateway process ${gateway.name} (exit ${JSON.stringify(exit)}) ---\n${gateway.output()}`,
        );
    }
    fake.reset();
    for (const prefix of prefixes.splice(0)) {
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 200 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await redis.del(...keys);
      }
    }
    await contract.settle();
  }, 30_000);

  afterAll(async () => {
    await fake?.close();
    redis?.disconnect();
  });

  it("two gateway processes sharing Redis enforce one concurrency limit per tenant", async () => {
    contract = new ContractRecorder();
    const LIMIT = 3;
    const TOTAL = 120;
    const AT_ONCE = 24;
    const prefix = newPrefix();
    const config: ConfigInput = {
      redis_key_prefix: prefix,
      routing: { retry: { max_attempts: 1 } },
      tenants: { acme: { api_keys: [hashApiKey(API_KEY)], max_concurrency: LIMIT, overflow: "reject" } },
    };

    // Counted on arrival: the fake's open responses include this one and every other admitted request still running.
    let maxInFlight = 0;
    let upstreamCalls = 0;
    fake.use((request) => {
      if (!isChat(request)) return undefined;
      upstreamCalls++;
      maxInFlight = Math.max(maxInFlight, fake.openResponses());
      return {
        kind: "json",
        body: openaiCompletion({ model: String(request.body.model), content: "pong" }),
        delayMs: 40,
      };
    });

    const gateways = await Promise.all([start("A", config), start("B", config)]);
    // Each replica answers once before the burst, so that neither starts it cold (a replica still compiling its
    // first request's path lost every race for the 3 slots on a busy machine).
    for (const gateway of gateways) {
      const response = await post(gateway, { model: "gpt-4o-mini", messages: [{ role: "user", content: "warm" }] });
      expect(response.status).toBe(200);
      await response.json();
    }
    upstreamCalls = 0;

    interface Outcome {
      gateway: string;
      status: number;
      headers: Headers;
      body: { object?: string; error?: { type: string; code: string | null } };
    }
    const outcomes: Outcome[] = [];
    let next = 0;
    const began = performance.now();
    await Promise.all(
      Array.from({ length: AT_ONCE }, async () => {
        for (let n = next++; n < TOTAL; n = next++) {
          const gateway = gateways[n % 2] as GatewayProcess;
          const response = await post(gateway, {
            model: "gpt-4o-mini",
            messages: [{ role: "user", content: `ping ${n}` }],
          });
          outcomes.push({
            gateway: gateway.name,
            status: response.status,
            headers: response.headers,
            body: (await response.json()) as Outcome["body"],
          });
        }
      }),
    );
    const elapsedMs = performance.now() - began;

    const admitted = outcomes.filter((o) => o.status !== 429);
    const rejected = outcomes.filter((o) => o.status === 429);
    const leases = await redis.zcard(redisKeys(prefix).limits.tenant("acme").leases);
    const admittedBy = (gateway: string) => admitted.filter((o) => o.gateway === gateway).length;
    console.log(
      `[replicas] concurrency limit ${LIMIT} across 2 processes: ${TOTAL} requests (${AT_ONCE} at a time) ` +
        `in ${Math.round(elapsedMs)} ms; admitted ${admitted.length} (A ${admittedBy("A")}, B ${admittedBy("B")}), ` +
        `rejected ${rejected.length}; max in flight at the upstream ${maxInFlight}, ` +
        `over-admission ${maxInFlight - LIMIT} (expected 0); leases left in Redis ${leases}`,
    );

    expect(outcomes).toHaveLength(TOTAL);
    expect(maxInFlight).toBeLessThanOrEqual(LIMIT);
    expect(maxInFlight).toBeGreaterThanOrEqual(2); // the limit was actually contended
    expect(rejected.length).toBeGreaterThan(0);
    expect(admitted.length).toBeGreaterThan(0);

    // Every admitted request succeeded and reached the upstream exactly once; both replicas admitted some.
    expect(admitted.map((o) => o.status)).toEqual(admitted.map(() => 200));
    expect(admitted.every((o) => o.body.object === "chat.completion")).toBe(true);
    expect(upstreamCalls).toBe(admitted.length);
    expect(leases).toBe(0);
    // Which replica won the races is up to timing; that every slot came back is not: each admits again at once.
    for (const gateway of gateways) {
      const response = await post(gateway, { model: "gpt-4o-mini", messages: [{ role: "user", content: "after" }] });
      expect(response.status, `replica ${gateway.name} after the burst`).toBe(200);
      await response.json();
    }

    // Every refusal is OpenAI's rate-limit error with Retry-After and the x-ratelimit-* headers.
    for (const refusal of rejected) {
      expect(refusal.body.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
      expect(Number(refusal.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    const missingRateLimitHeaders = rejected.filter((o) =>
      ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"].some(
        (h) => o.headers.get(h) === null,
      ),
    );
    expect(
      missingRateLimitHeaders.length,
      `429 rate_limit_exceeded answers without x-ratelimit-* headers: ` +
        `${missingRateLimitHeaders.length} of ${rejected.length}`,
    ).toBe(0);
    for (const refusal of rejected) {
      expect(refusal.headers.get("x-ratelimit-limit-requests")).toBe(String(LIMIT));
      expect(refusal.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    }
  }, 30_000);

  it("overflow wait across two processes: every request answered once, the shared limit never exceeded", async () => {
    contract = new ContractRecorder();
    const LIMIT = 3;
    const TOTAL = 30;
    const config: ConfigInput = {
      redis_key_prefix: newPrefix(),
      tenants: { acme: { api_keys: [hashApiKey(API_KEY)], max_concurrency: LIMIT } },
    };
    let maxInFlight = 0;
    let upstreamCalls = 0;
    fake.use((request) => {
      if (!isChat(request)) return undefined;
      upstreamCalls++;
      maxInFlight = Math.max(maxInFlight, fake.openResponses());
      const content = `pong ${lastUserText(request)}`;
      return { kind: "json", body: openaiCompletion({ model: String(request.body.model), content }), delayMs: 100 };
    });
    const gateways = await Promise.all([start("A", config), start("B", config)]);

    // All at once, half on each replica: 3 run, 27 wait (their own replica's line, slots shared through Redis).
    const began = performance.now();
    const answers = await Promise.all(
      Array.from({ length: TOTAL }, async (_, n) => {
        const response = await post(gateways[n % 2] as GatewayProcess, {
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: `ping ${n}` }],
        });
        const body = (await response.json()) as { choices?: Array<{ message: { content: string | null } }> };
        return { status: response.status, content: body.choices?.[0]?.message.content };
      }),
    );
    const elapsedMs = performance.now() - began;
    console.log(
      `[replicas] overflow wait, limit ${LIMIT} across 2 processes: ${TOTAL} requests at once answered in ` +
        `${Math.round(elapsedMs)} ms (${TOTAL / LIMIT} rounds of 100 ms upstream time); ` +
        `max in flight at the upstream ${maxInFlight}, upstream calls ${upstreamCalls}`,
    );
    expect(answers).toEqual(Array.from({ length: TOTAL }, (_, n) => ({ status: 200, content: `pong ping ${n}` })));
    expect(upstreamCalls).toBe(TOTAL);
    expect(maxInFlight).toBeLessThanOrEqual(LIMIT);
    expect(maxInFlight).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it("a gateway killed with queued jobs: after a restart every job completes exactly once", async () => {
    contract = new ContractRecorder();
    const JOBS = 6;
    const prefix = newPrefix();
    const keys = redisKeys(prefix);
    const config: ConfigInput = {
      redis_key_prefix: prefix,
      routing: { retry: { max_attempts: 1 } },
      // Short lease and stall interval so that the dead replica's slot and running job come back in seconds.
      limits: { lease_ttl_ms: 3000 },
      queue: { stall_interval_ms: 1000 },
      tenants: { batch: { api_keys: [hashApiKey(API_KEY)], max_concurrency: 1, overflow: "queue" } },
    };
    // Slow answers until A is killed (so jobs queue up behind the one slot), fast ones after.
    let delayMs = 400;
    let maxInFlight = 0;
    fake.use((request) => {
      if (!isChat(request)) return undefined;
      maxInFlight = Math.max(maxInFlight, fake.openResponses());
      return {
        kind: "json",
        body: openaiCompletion({ model: String(request.body.model), content: `answer to ${lastUserText(request)}` }),
        delayMs,
      };
    });
    const callsFor = (marker: string) => fake.requests.filter((r) => isChat(r) && lastUserText(r) === marker).length;

    const a = await start("A", config);

    // One plain request holds the tenant's only slot, so every job below is queued (202).
    const occupier = post(a, { model: "gpt-4o-mini", messages: [{ role: "user", content: "occupier" }] });
    await waitUntil(() => callsFor("occupier") === 1, 5_000, "the occupier to reach the upstream");

    const submitted = await Promise.all(
      Array.from({ length: JOBS }, async (_, n) => {
        const marker = `job ${n}`;
        const requestId = `req_replicas_${n}_${randomUUID().slice(0, 8)}`;
        const response = await post(
          a,
          { model: "gpt-4o-mini", messages: [{ role: "user", content: marker }] },
          { "x-request-id": requestId },
        );
        const body = (await response.json()) as { job_id: string; request_id: string };
        expect(response.status).toBe(202);
        expect(response.headers.get("location")).toBe(`/v1/jobs/${body.job_id}`);
        expect(body.request_id).toBe(requestId);
        return { marker, requestId, jobId: body.job_id };
      }),
    );
    expect((await occupier).status).toBe(200);

    // Kill A while its worker runs the first job (the upstream has the request) and the others wait in Redis.
    await waitUntil(() => submitted.some((job) => callsFor(job.marker) > 0), 5_000, "A's worker to start a job");
    const runningAtKill = submitted.filter((job) => callsFor(job.marker) > 0).map((job) => job.marker);
    const killedAt = performance.now();
    const exit = await a.kill9();
    expect(exit.signal).toBe("SIGKILL");
    delayMs = 20;
    // The slot A held dies with it only when its lease expires (no heartbeat any more): the limiter's lease TTL.
    const leasesKey = keys.limits.tenant("batch").leases;
    const [deadLeases, deadLeaseTtlMs] = await Promise.all([redis.zcard(leasesKey), redis.pttl(leasesKey)]);

    const b = await start("B", config);
    const restartedMs = performance.now() - killedAt;
    const finishedAtMs = new Map<string, number>();
    const jobs = new Map<string, JobBody>();
    await waitUntil(
      async () => {
        await Promise.all(
          submitted
            .filter((job) => !finishedAtMs.has(job.jobId))
            .map(async (job) => {
              const response = await contract.fetch(`${b.url}/v1/jobs/${job.jobId}`, {
                headers: { authorization: `Bearer ${API_KEY}` },
              });
              const body = (await response.json()) as JobBody;
              expect(response.status).toBe(200);
              expect(["queued", "running", "succeeded"], `job ${job.jobId}: ${JSON.stringify(body)}`).toContain(
                body.status,
              );
              if (body.status === "succeeded") {
                finishedAtMs.set(job.jobId, performance.now() - killedAt);
                jobs.set(job.jobId, body);
              }
            }),
        );
        return finishedAtMs.size === JOBS;
      },
      45_000,
      "every job to succeed on B",
      200,
    );

    const callsPerJob = submitted.map((job) => `${job.marker}: ${callsFor(job.marker)}`).join(", ");
    const attempts = await Promise.all(
      submitted.map(async (job) => `${job.marker}: ${await redis.hget(keys.queue.job(job.jobId), "attempts")}`),
    );
    const times = [...finishedAtMs.values()].sort((x, y) => x - y);
    console.log(
      `[replicas] A killed (SIGKILL) with ${JOBS} jobs queued or running ` +
        `(running at the kill: ${runningAtKill.join(", ")}); leases A left in Redis ${deadLeases}, ` +
        `expiring in ${deadLeaseTtlMs} ms; B ready ${Math.round(restartedMs)} ms after the kill; ` +
        `first job done ${Math.round(times[0] ?? 0)} ms, ` +
        `all ${JOBS} done ${Math.round(times.at(-1) ?? 0)} ms after the kill; ` +
        `upstream calls per job {${callsPerJob}}; attempts per job (job record) {${attempts.join(", ")}}; ` +
        `max in flight at the upstream ${maxInFlight} (limit 1)`,
    );
    expect(maxInFlight).toBe(1);

    // Exactly once: every job succeeded once, with its own request's result.
    const results = submitted.map((job) => jobs.get(job.jobId));
    expect(results.filter((job) => job?.status === "succeeded")).toHaveLength(JOBS);
    for (const [n, job] of submitted.entries()) {
      const body = results[n] as JobBody;
      expect(body.request_id).toBe(job.requestId);
      expect(body.result?.object).toBe("chat.completion");
      expect(body.result?.request_id).toBe(job.requestId);
      expect(body.result?.choices[0]?.message.content).toBe(`answer to ${job.marker}`);
    }
    const requestIds = results.map((job) => job?.request_id);
    expect(new Set(requestIds).size).toBe(JOBS);
    expect([...requestIds].sort()).toEqual(submitted.map((job) => job.requestId).sort());
    // A job that never started before the kill reached the upstream once; the one running at the kill may twice.
    for (const job of submitted) {
      if (runningAtKill.includes(job.marker)) expect(callsFor(job.marker)).toBeGreaterThanOrEqual(1);
      else expect(callsFor(job.marker), job.marker).toBe(1);
    }
  }, 60_000);
});

async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
