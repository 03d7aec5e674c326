import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LeaseTiming } from "../../src/limits/lease-timing.js";
import { MemoryLimiter } from "../../src/limits/memory-limiter.js";
import { RedisLimiter } from "../../src/limits/redis-limiter.js";
import type { LimiterDecision, LimiterRequest, Lease, Limiter, RefusalReason } from "../../src/limits/types.js";
import { redisKeys } from "../../src/state/redis-keys.js";
import { DEFAULTS } from "../support/config-defaults.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** A realistic epoch-ms magnitude, so the float arithmetic of absolute timestamps is exercised. */
const T0 = 1_700_000_000_000;

async function connectRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  await redis.connect();
  return redis;
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 100 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await redis.del(...keys);
  }
}

function expectAdmitted(admission: LimiterDecision): Lease {
  if (!admission.admitted)
    throw new Error(`expected admission, got refusal (${admission.reason}, retry after ${admission.retryAfterMs} ms)`);
  return admission.lease;
}

function expectRefused(
  admission: LimiterDecision,
  reason: RefusalReason,
): Extract<LimiterDecision, { admitted: false }> {
  if (admission.admitted) throw new Error(`expected refusal (${reason}), got admission`);
  expect(admission.reason).toBe(reason);
  return admission;
}

let redis: Redis;
let prefix: string;
const opened: Limiter[] = [];

beforeAll(async () => {
  redis = await connectRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((limiter) => limiter.close()));
  await deleteKeys(redis, prefix);
});
afterAll(async () => {
  await redis.quit();
});

function newPrefix(): string {
  prefix = `test:limits:${randomUUID()}:`;
  return prefix;
}
newPrefix();

function track<T extends Limiter>(limiter: T): T {
  opened.push(limiter);
  return limiter;
}

/** A limiter whose new leases get `timing` (the configured one by default), read at every grant. */
const implementations: { name: string; create: (timing?: () => LeaseTiming) => Limiter }[] = [
  { name: "MemoryLimiter", create: (timing = () => DEFAULTS.lease) => track(new MemoryLimiter(timing)) },
  {
    name: "RedisLimiter",
    create: (timing = () => DEFAULTS.lease) =>
      track(new RedisLimiter(redis, { keys: redisKeys(newPrefix()).limits, timing, address: "test" })),
  },
];

describe.each(implementations)("$name", ({ create }) => {
  const tenant = "acme";
  const request = (limits: LimiterRequest["limits"], estimatedTokens = 0, now?: number): LimiterRequest => ({
    tenant,
    limits,
    estimatedTokens,
    now,
  });

  describe("concurrency", () => {
    it("admits maxConcurrency leases, then refuses the next with reason concurrency", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 3 };
      for (const expected of [1, 2, 3]) {
        const admission = await limiter.admit(request(limits));
        expectAdmitted(admission);
        expect(admission.snapshot).toEqual({ inFlight: expected, maxConcurrency: 3 });
      }
      const refusal = expectRefused(await limiter.admit(request(limits)), "concurrency");
      expect(refusal.retryAfterMs).toBe(1000);
      expect(refusal.snapshot).toEqual({ inFlight: 3, maxConcurrency: 3 });
      expect(await limiter.inFlight(tenant)).toBe(3);
      expect(await limiter.inFlight("another-tenant")).toBe(0);
    });

    it("frees a slot on release", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 1 };
      const lease = expectAdmitted(await limiter.admit(request(limits)));
      expectRefused(await limiter.admit(request(limits)), "concurrency");
      await lease.release();
      expectAdmitted(await limiter.admit(request(limits)));
    });

    it("treats a second release, even a concurrent one, as a no-op", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 2 };
      const first = expectAdmitted(await limiter.admit(request(limits)));
      expectAdmitted(await limiter.admit(request(limits)));
      await Promise.all([first.release(), first.release()]);
      await first.release();
      expect(await limiter.inFlight(tenant)).toBe(1);
      expectAdmitted(await limiter.admit(request(limits)));
      expectRefused(await limiter.admit(request(limits)), "concurrency");
    });

    it("is back to 0 in flight once every lease is released", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 5 };
      const admissions = await Promise.all(Array.from({ length: 5 }, () => limiter.admit(request(limits))));
      expect(await limiter.inFlight(tenant)).toBe(5);
      await Promise.all(admissions.map((admission) => expectAdmitted(admission).release()));
      expect(await limiter.inFlight(tenant)).toBe(0);
    });
  });

  describe("requests per minute", () => {
    it("refuses once the minute's requests are used, with the exact wait, and refills", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 100, requestsPerMinute: 3 };
      for (const [remaining, reset] of [
        [2, 20_000],
        [1, 40_000],
        [0, 60_000],
      ] as const) {
        const admission = await limiter.admit(request(limits, 0, T0));
        expectAdmitted(admission);
        expect(admission.snapshot).toMatchObject({
          limitRequests: 3,
          remainingRequests: remaining,
          resetRequestsMs: reset,
        });
      }
      const refusal = expectRefused(await limiter.admit(request(limits, 0, T0)), "requests_per_minute");
      expect(refusal.retryAfterMs).toBe(20_000);
      expect(refusal.snapshot).toMatchObject({ remainingRequests: 0, resetRequestsMs: 60_000 });
      expect(
        expectRefused(await limiter.admit(request(limits, 0, T0 + 19_999)), "requests_per_minute").retryAfterMs,
      ).toBe(1);

      expectAdmitted(await limiter.admit(request(limits, 0, T0 + 20_000)));
      const afterFullReset = await limiter.admit(request(limits, 0, T0 + 20_000 + 60_000));
      expectAdmitted(afterFullReset);
      expect(afterFullReset.snapshot).toMatchObject({ remainingRequests: 2, resetRequestsMs: 20_000 });
    });

    it("names the limit that needs the longest wait when several refuse", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 1, requestsPerMinute: 1 };
      expectAdmitted(await limiter.admit(request(limits, 0, T0)));
      const refusal = expectRefused(await limiter.admit(request(limits, 0, T0)), "requests_per_minute");
      expect(refusal.retryAfterMs).toBe(60_000);
    });
  });

  describe("tokens per minute", () => {
    it("reserves the estimate, gives back the unused part at release and charges an overrun", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 10, tokensPerMinute: 1000 };
      const big = await limiter.admit(request(limits, 600, T0));
      expect(big.snapshot).toMatchObject({ limitTokens: 1000, remainingTokens: 400, resetTokensMs: 36_000 });

      const refusal = expectRefused(await limiter.admit(request(limits, 500, T0)), "tokens_per_minute");
      expect(refusal.retryAfterMs).toBe(6_000);

      await expectAdmitted(big).release(100);
      const second = await limiter.admit(request(limits, 500, T0));
      expect(second.snapshot).toMatchObject({ remainingTokens: 400 });

      await expectAdmitted(second).release(800);
      const probe = await limiter.admit(request(limits, 0, T0));
      expect(probe.snapshot).toMatchObject({ remainingTokens: 100, resetTokensMs: 54_000 });
    });

    it("reconciles once, however often release is called", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 10, tokensPerMinute: 1000 };
      const first = expectAdmitted(await limiter.admit(request(limits, 400, T0)));
      expectAdmitted(await limiter.admit(request(limits, 400, T0)));
      await Promise.all([first.release(100), first.release(100)]);
      await first.release(0);
      const probe = await limiter.admit(request(limits, 0, T0));
      expect(probe.snapshot.remainingTokens).toBe(500);
    });

    it("admits a request larger than the whole budget only when the budget is untouched", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 10, tokensPerMinute: 1000 };
      const small = expectAdmitted(await limiter.admit(request(limits, 1, T0)));
      expect(expectRefused(await limiter.admit(request(limits, 5000, T0)), "tokens_per_minute").retryAfterMs).toBe(60);
      await small.release(0);
      const huge = await limiter.admit(request(limits, 5000, T0));
      // It reserves the whole budget; the usage beyond it is charged when it is known.
      expect(huge.snapshot).toMatchObject({ remainingTokens: 0, resetTokensMs: 60_000 });
      await expectAdmitted(huge).release(5000);
      const probe = await limiter.admit(request(limits, 0, T0));
      expect(probe.snapshot).toMatchObject({ remainingTokens: 0, resetTokensMs: 300_000 });
    });

    it("reserves no more than the budget for an absurd estimate, and refunds it whole", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 10, tokensPerMinute: 1_000_000 };
      // max_tokens 1.2e29 once overflowed Redis's expiry range (a 503) and, in memory, left a refund that float
      // rounding could not cancel.
      const absurd = await limiter.admit(request(limits, 1.2e29, T0));
      expect(absurd.snapshot).toMatchObject({ remainingTokens: 0, resetTokensMs: 60_000 });
      await expectAdmitted(absurd).release(10);
      const probe = await limiter.admit(request(limits, 0, T0));
      expect(probe.snapshot).toMatchObject({ remainingTokens: 1_000_000 - 10 });
    });
  });

  describe("refused admissions", () => {
    it("reserve nothing: no slot, no request, no tokens", async () => {
      const limiter = create();
      const limits = { maxConcurrency: 1, requestsPerMinute: 10, tokensPerMinute: 1000 };
      const holder = await limiter.admit(request(limits, 100, T0));
      expect(holder.snapshot).toMatchObject({ inFlight: 1, remainingRequests: 9, remainingTokens: 900 });

      const byConcurrency = expectRefused(await limiter.admit(request(limits, 100, T0)), "concurrency");
      expect(byConcurrency.snapshot).toMatchObject({ inFlight: 1, remainingRequests: 9, remainingTokens: 900 });
      await expectAdmitted(holder).release(100);

      const byTokens = expectRefused(await limiter.admit(request(limits, 950, T0)), "tokens_per_minute");
      expect(byTokens.snapshot).toMatchObject({ inFlight: 0, remainingRequests: 9, remainingTokens: 900 });
      expect(await limiter.inFlight(tenant)).toBe(0);

      const fits = await limiter.admit(request(limits, 900, T0));
      expectAdmitted(fits);
      expect(fits.snapshot).toMatchObject({ inFlight: 1, remainingRequests: 8, remainingTokens: 0 });
    });
  });

  describe("lease expiry", () => {
    it("gives the slots back by itself when the holder vanishes (no heartbeat)", async () => {
      const limiter = create(() => ({ leaseTtlMs: 150, heartbeatMs: 0 }));
      const limits = { maxConcurrency: 2 };
      const vanished = expectAdmitted(await limiter.admit(request(limits)));
      expectAdmitted(await limiter.admit(request(limits)));
      expectRefused(await limiter.admit(request(limits)), "concurrency");

      await sleep(200);
      expect(await limiter.inFlight(tenant)).toBe(0);
      expectAdmitted(await limiter.admit(request(limits)));
      // A late release of an expired lease must not free the slot that has since gone to someone else.
      await vanished.release();
      expect(await limiter.inFlight(tenant)).toBe(1);
    });

    it("keeps a lease alive past leaseTtlMs while its heartbeat runs", async () => {
      const limiter = create(() => ({ leaseTtlMs: 150, heartbeatMs: 40 }));
      const limits = { maxConcurrency: 1 };
      const lease = expectAdmitted(await limiter.admit(request(limits)));
      await sleep(400);
      expect(await limiter.inFlight(tenant)).toBe(1);
      expectRefused(await limiter.admit(request(limits)), "concurrency");
      await lease.release();
      expect(await limiter.inFlight(tenant)).toBe(0);
    });

    it("gives each new lease the timing configured when it is granted", async () => {
      let timing: LeaseTiming = { leaseTtlMs: 150, heartbeatMs: 0 };
      const limiter = create(() => timing);
      const limits = { maxConcurrency: 2 };
      expectAdmitted(await limiter.admit(request(limits)));
      timing = { leaseTtlMs: 60_000, heartbeatMs: 0 };
      const kept = expectAdmitted(await limiter.admit(request(limits)));
      await sleep(200);
      expect(await limiter.inFlight(tenant)).toBe(1); // the first expired after 150 ms, the second lives on
      await kept.release();
      expect(await limiter.inFlight(tenant)).toBe(0);
    });

    it("lets the leases of a closed limiter expire (its heartbeats stop)", async () => {
      const limiter = create(() => ({ leaseTtlMs: 150, heartbeatMs: 40 }));
      expectAdmitted(await limiter.admit(request({ maxConcurrency: 1 })));
      await limiter.close();
      await sleep(200);
      expect(await limiter.inFlight(tenant)).toBe(0);
    });
  });
});

describe("RedisLimiter across replicas", () => {
  const replicaConnections: Redis[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((limiter) => limiter.close()));
    for (const connection of replicaConnections.splice(0)) connection.disconnect();
  });

  async function replica(timing: LeaseTiming = DEFAULTS.lease): Promise<{ limiter: RedisLimiter; connection: Redis }> {
    const connection = await connectRedis();
    replicaConnections.push(connection);
    return {
      limiter: track(
        new RedisLimiter(connection, { keys: redisKeys(prefix).limits, timing: () => timing, address: "test" }),
      ),
      connection,
    };
  }

  it("never admits more than maxConcurrency when two replicas are hammered at once", async () => {
    newPrefix();
    const replicas = [(await replica()).limiter, (await replica()).limiter];
    const limits = { maxConcurrency: 5 };
    const workers = 20;
    const admitsPerWorker = 10;
    let inFlight = 0;
    let maxObserved = 0;
    let admitted = 0;
    let refused = 0;

    const worker = async (): Promise<void> => {
      for (let done = 0; done < admitsPerWorker; ) {
        const limiter = replicas[Math.random() < 0.5 ? 0 : 1]!;
        const admission = await limiter.admit({ tenant: "hammered", limits, estimatedTokens: 0 });
        if (!admission.admitted) {
          refused++;
          await sleep(1 + Math.random() * 2);
          continue;
        }
        admitted++;
        done++;
        maxObserved = Math.max(maxObserved, ++inFlight);
        await sleep(Math.random() * 8);
        inFlight--;
        await admission.lease.release();
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));

    const overAdmission = Math.max(maxObserved - limits.maxConcurrency, 0);
    console.info(
      `two replicas, limit ${limits.maxConcurrency}: ${admitted} admitted, ${refused} refused, ` +
        `max in flight observed ${maxObserved}, over-admission ${overAdmission}`,
    );
    expect(admitted).toBe(workers * admitsPerWorker);
    expect(overAdmission).toBe(0);
    expect(maxObserved).toBe(limits.maxConcurrency);
    expect(await replicas[0]!.inFlight("hammered")).toBe(0);
  });

  it("shares one per-minute budget between replicas: exactly the limit is admitted", async () => {
    newPrefix();
    const replicas = [(await replica()).limiter, (await replica()).limiter];
    const limits = { maxConcurrency: 1000, requestsPerMinute: 20, tokensPerMinute: 1_000_000 };
    const admissions = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        replicas[i % 2]!.admit({ tenant: "shared", limits, estimatedTokens: 10, now: T0 }),
      ),
    );
    const granted = admissions.filter((admission) => admission.admitted);
    expect(granted).toHaveLength(20);
    expect(
      admissions.filter((admission) => !admission.admitted && admission.reason === "requests_per_minute"),
    ).toHaveLength(40);
    const probe = await replicas[0]!.admit({
      tenant: "shared",
      limits: { maxConcurrency: 1000, tokensPerMinute: 1_000_000 },
      estimatedTokens: 0,
      now: T0,
    });
    expect(probe.snapshot.remainingTokens).toBe(1_000_000 - 20 * 10);
  });

  it("gives a dead replica's slots to the survivors after leaseTtlMs", async () => {
    newPrefix();
    const doomed = await replica({ leaseTtlMs: 200, heartbeatMs: 50 });
    const survivor = (await replica({ leaseTtlMs: 200, heartbeatMs: 50 })).limiter;
    const limits = { maxConcurrency: 2 };
    expectAdmitted(await doomed.limiter.admit({ tenant: "acme", limits, estimatedTokens: 0 }));
    expectAdmitted(await doomed.limiter.admit({ tenant: "acme", limits, estimatedTokens: 0 }));
    // Like kill -9: the connection drops, nothing is released and the heartbeats fail from now on.
    doomed.connection.disconnect();
    expectRefused(await survivor.admit({ tenant: "acme", limits, estimatedTokens: 0 }), "concurrency");
    await sleep(250);
    expectAdmitted(await survivor.admit({ tenant: "acme", limits, estimatedTokens: 0 }));
  });
});
