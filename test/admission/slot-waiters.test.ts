import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { overflowModeOf } from "../../src/admission/overflow-choice.js";
import { SlotWaiters, type WaitResult } from "../../src/admission/slot-waiters.js";
import { type Slot, type SlotRefusal, TenantSlots } from "../../src/admission/slots.js";
import { MemoryLimiter } from "../../src/limits/memory-limiter.js";
import { RedisLimiter } from "../../src/limits/redis-limiter.js";
import type { Limiter } from "../../src/limits/types.js";
import { redisKeys } from "../../src/state/redis-keys.js";
import { Telemetry } from "../../src/telemetry/events.js";
import type { Tenant } from "../../src/tenants/tenant-directory.js";
import { DEFAULTS } from "../support/config-defaults.js";

const tenant: Tenant = {
  id: "solo",
  limits: { maxConcurrency: 1 },
  overflow: "wait",
  maxWaitMs: 10_000,
  maxQueueDepth: 10,
  monthlyBudgetUsd: undefined,
  webhookSecret: undefined,
  webhookUrl: undefined,
  allowedModels: undefined,
};

/** One process's slots and waiters over a limiter; the waiters hear only this process's releases. */
function replica(limiter: Limiter, pollMs: number) {
  const telemetry = new Telemetry();
  const waiters = new SlotWaiters(telemetry, { pollMs });
  const slots = new TenantSlots({
    limiter,
    telemetry,
    onReleaseError: (err) => {
      throw err;
    },
    onReleased: (id) => waiters.wake(id),
  });
  const refusal = async (): Promise<SlotRefusal> => {
    const decision = await slots.take(tenant, 1);
    if (decision.granted) throw new Error("expected the tenant to be at its limit");
    return decision;
  };
  const take = async (): Promise<Slot> => {
    const decision = await slots.take(tenant, 1);
    if (!decision.granted) throw new Error("expected a free slot");
    return decision.slot;
  };
  const wait = (refused: SlotRefusal, options: { maxWaitMs?: number; signal?: AbortSignal } = {}) =>
    waiters.wait({
      tenant: tenant.id,
      refused,
      until: Date.now() + (options.maxWaitMs ?? 10_000),
      signal: options.signal ?? new AbortController().signal,
      take: () => slots.take(tenant, 1),
    });
  return { waiters, take, refusal, wait };
}

function slotOf(result: WaitResult): Slot {
  if (result.kind !== "admitted") throw new Error(`expected a slot, got ${result.kind}`);
  return result.decision.slot;
}

describe("SlotWaiters", () => {
  // A poll this long never fires within a test: whoever gets a slot got it because a release in the process woke it.
  const NO_POLL = 60_000;

  it("hands freed slots to the waiters in arrival order, woken by the release", async () => {
    const limiter = new MemoryLimiter(() => DEFAULTS.lease);
    const { waiters, take, refusal, wait } = replica(limiter, NO_POLL);
    const holder = await take();
    const refused = await refusal();
    const served: number[] = [];
    const line = [0, 1, 2].map((n) =>
      wait(refused).then(async (result) => {
        served.push(n);
        const slot = slotOf(result);
        await slot.release(1);
      }),
    );
    expect(waiters.waiting(tenant.id)).toBe(3);
    expect(waiters.counts()).toEqual({ solo: 3 });
    await holder.release(1);
    await Promise.all(line);
    expect(served).toEqual([0, 1, 2]);
    expect(waiters.counts()).toEqual({});
    expect(await limiter.inFlight(tenant.id)).toBe(0);
    await limiter.close();
  });

  it("gives up at the deadline with the limiter's refusal, and the next in line moves up", async () => {
    const limiter = new MemoryLimiter(() => DEFAULTS.lease);
    const { waiters, take, refusal, wait } = replica(limiter, 20);
    const holder = await take();
    const refused = await refusal();
    const first = wait(refused, { maxWaitMs: 100 });
    const second = wait(refused, { maxWaitMs: 5_000 });
    const timedOut = await first;
    expect(timedOut).toMatchObject({ kind: "timed_out", refusal: { granted: false, reason: "concurrency" } });
    expect(waiters.waiting(tenant.id)).toBe(1);
    await holder.release(1);
    await slotOf(await second).release(1);
    expect(await limiter.inFlight(tenant.id)).toBe(0);
    await limiter.close();
  });

  it("lets a waiter whose client left go without a slot; the one behind it is served", async () => {
    const limiter = new MemoryLimiter(() => DEFAULTS.lease);
    const { waiters, take, refusal, wait } = replica(limiter, NO_POLL);
    const holder = await take();
    const refused = await refusal();
    const leaving = new AbortController();
    const first = wait(refused, { signal: leaving.signal });
    const second = wait(refused);
    leaving.abort();
    expect(await first).toEqual({ kind: "abandoned" });
    expect(waiters.waiting(tenant.id)).toBe(1);
    await holder.release(1);
    await slotOf(await second).release(1);
    expect(await limiter.inFlight(tenant.id)).toBe(0);
    await limiter.close();
  });

  describe("across replicas (Redis)", () => {
    const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
    afterAll(async () => {
      await redis.quit();
    });

    it("sees a slot freed by another replica by asking the shared limiter again", async () => {
      const keys = redisKeys(`runestone-test:${randomUUID()}:`).limits;
      const limiterA = new RedisLimiter(redis, { keys, timing: () => DEFAULTS.lease, address: "test" });
      const limiterB = new RedisLimiter(redis, { keys, timing: () => DEFAULTS.lease, address: "test" });
      const a = replica(limiterA, 50);
      const b = replica(limiterB, NO_POLL);
      const heldOnB = await b.take();
      const waiting = a.wait(await a.refusal());
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(a.waiters.waiting(tenant.id)).toBe(1);
      const freedAt = Date.now();
      await heldOnB.release(1);
      const slot = slotOf(await waiting);
      // Replica A heard nothing of the release: its first waiter found the slot on its next poll.
      expect(Date.now() - freedAt).toBeLessThan(1_000);
      await slot.release(1);
      expect(await limiterA.inFlight(tenant.id)).toBe(0);
    });
  });
});

describe("overflowModeOf", () => {
  const wishes = { header: undefined, prefer: undefined, hasCallbackUrl: false };

  it("follows the tenant's mode unless the client says otherwise", () => {
    expect(overflowModeOf(tenant, wishes)).toBe("wait");
    expect(overflowModeOf({ ...tenant, overflow: "reject" }, wishes)).toBe("reject");
  });

  it("queues a client that asks for an asynchronous answer", () => {
    expect(overflowModeOf(tenant, { ...wishes, prefer: "respond-async" })).toBe("queue");
    expect(overflowModeOf(tenant, { ...wishes, prefer: "return=minimal, Respond-Async; x=1" })).toBe("queue");
    expect(overflowModeOf(tenant, { ...wishes, hasCallbackUrl: true })).toBe("queue");
    expect(overflowModeOf(tenant, { ...wishes, prefer: "wait=10" })).toBe("wait");
  });

  it("lets x-runestone-overflow name any mode, over the tenant's and over Prefer", () => {
    expect(overflowModeOf({ ...tenant, overflow: "reject" }, { ...wishes, header: "wait" })).toBe("wait");
    expect(overflowModeOf(tenant, { ...wishes, header: "reject", prefer: "respond-async" })).toBe("reject");
    expect(overflowModeOf(tenant, { ...wishes, header: " Queue " })).toBe("queue");
    expect(overflowModeOf(tenant, { ...wishes, header: "later" })).toBe("wait");
  });
});
