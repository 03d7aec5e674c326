import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BreakerSettings } from "../../src/routing/breaker/breaker-settings.js";
import type { BreakerStore } from "../../src/routing/breaker/breaker-store.js";
import { CircuitBreakers } from "../../src/routing/breaker/circuit-breakers.js";
import { MemoryBreakerStore } from "../../src/routing/breaker/memory-breaker-store.js";
import { RedisBreakerStore } from "../../src/routing/breaker/redis-breaker-store.js";
import { redisKeys } from "../../src/state/redis-keys.js";
import { Telemetry, type TelemetryEvents } from "../../src/telemetry/events.js";
import { DEFAULTS } from "../support/config-defaults.js";

type Transition = TelemetryEvents["breaker.transition"];

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `runestone-test:${randomUUID()}:`;
const keys = redisKeys(prefix).breakers;
const connections: Redis[] = [];

function connect(): Redis {
  const redis = new Redis(REDIS_URL);
  connections.push(redis);
  return redis;
}

beforeAll(async () => {
  await connect().ping();
});

afterAll(async () => {
  const [redis] = connections;
  if (redis) {
    for await (const found of redis.scanStream({ match: `${prefix}*` }) as AsyncIterable<string[]>) {
      if (found.length > 0) await redis.del(...found);
    }
  }
  await Promise.all(connections.map((c) => c.quit()));
});

interface Harness {
  store: BreakerStore;
  breakers: CircuitBreakers;
  events: Transition[];
  clock: { now: number };
  /** What the breakers read on every call: replace it to edit the settings. */
  settings: { current: BreakerSettings };
}

/** Breakers with the default settings, or these overrides of them. */
function harness(
  store: BreakerStore,
  overrides: Partial<BreakerSettings> = {},
  clock = { now: 1_700_000_000_000 },
): Harness {
  const telemetry = new Telemetry();
  const events: Transition[] = [];
  telemetry.on("breaker.transition", (e) => events.push(e));
  const settings = { current: { ...DEFAULTS.breaker, ...overrides } };
  const breakers = new CircuitBreakers(store, telemetry, { settings: () => settings.current, clock: () => clock.now });
  return { store, breakers, events, clock, settings };
}

/** Each test gets fresh keys, so the stores may be shared across tests. */
let keySeq = 0;
const freshKey = (): string => `provider-${++keySeq}:model`;

const storeKinds: Array<[string, () => BreakerStore]> = [
  ["memory", () => new MemoryBreakerStore()],
  ["redis", () => new RedisBreakerStore(connect(), { keys })],
];

async function fail(b: CircuitBreakers, key: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await b.recordFailure(key);
}

describe.each(storeKinds)("circuit breakers on the %s store", (_kind, makeStore) => {
  it("goes closed → open after consecutive failures → half_open after cooldown → closed on probe success", async () => {
    const { breakers, events, clock } = harness(makeStore());
    const key = freshKey();

    await fail(breakers, key, 4);
    await breakers.recordSuccess(key); // resets the run
    await fail(breakers, key, 4);
    expect(await breakers.state(key)).toBe("closed");
    await breakers.recordFailure(key);
    expect(await breakers.state(key)).toBe("open");

    expect(await breakers.acquire(key)).toEqual({ allowed: false, state: "open", retryAfterMs: 15_000 });
    clock.now += 10_000;
    expect(await breakers.acquire(key)).toEqual({ allowed: false, state: "open", retryAfterMs: 5_000 });
    clock.now += 5_000;
    expect(await breakers.state(key)).toBe("half_open"); // reading takes no probe…
    expect(await breakers.acquire(key)).toEqual({ allowed: true, state: "half_open" }); // …so this one gets it
    expect(await breakers.recordSuccess(key)).toBe("half_open");
    expect(await breakers.acquire(key)).toEqual({ allowed: true, state: "half_open" });
    expect(await breakers.recordSuccess(key)).toBe("closed");
    expect(await breakers.acquire(key)).toEqual({ allowed: true, state: "closed" });

    expect(events).toEqual([
      { key, from: "closed", to: "open", reason: "5 consecutive failures" },
      { key, from: "open", to: "half_open", reason: "cooldown of 15000 ms elapsed" },
      { key, from: "half_open", to: "closed", reason: "2 probes succeeded in a row" },
    ]);

    // Counters were reset on closing: four more failures do not reopen it.
    await fail(breakers, key, 4);
    expect(await breakers.state(key)).toBe("closed");
  });

  it("re-opens with a new cooldown when a probe fails", async () => {
    const { breakers, events, clock } = harness(makeStore());
    const key = freshKey();
    await fail(breakers, key, 5);
    clock.now += 15_000;
    expect((await breakers.acquire(key)).allowed).toBe(true);
    expect(await breakers.recordSuccess(key)).toBe("half_open");
    expect((await breakers.acquire(key)).allowed).toBe(true);
    expect(await breakers.recordFailure(key)).toBe("open");
    expect(await breakers.acquire(key)).toEqual({ allowed: false, state: "open", retryAfterMs: 15_000 });
    expect(events.map((e) => `${e.from}→${e.to}: ${e.reason}`)).toEqual([
      "closed→open: 5 consecutive failures",
      "open→half_open: cooldown of 15000 ms elapsed",
      "half_open→open: probe failed",
    ]);
  });

  it("opens on the failure ratio only once the window holds minimumRequests", async () => {
    const { breakers, events } = harness(makeStore());
    const key = freshKey();
    // Alternating: never two failures in a row, half of them failures.
    for (let i = 0; i < 4; i++) {
      await breakers.recordFailure(key);
      await breakers.recordSuccess(key);
    }
    expect(await breakers.recordFailure(key)).toBe("closed"); // 5 of 9: ratio reached, too few requests
    expect(await breakers.recordSuccess(key)).toBe("closed"); // 5 of 10: successes never open it
    expect(await breakers.recordFailure(key)).toBe("open"); // 6 of 11
    expect(events).toEqual([{ key, from: "closed", to: "open", reason: "6 of 11 requests failed within 30000 ms" }]);
  });

  it("counts the ratio over a rolling window only", async () => {
    const { breakers, clock } = harness(makeStore(), { consecutiveFailures: 100 });
    const key = freshKey();
    await fail(breakers, key, 9);
    clock.now += 30_000; // those nine leave the window
    for (let i = 0; i < 9; i++) await breakers.recordSuccess(key);
    expect(await breakers.recordFailure(key)).toBe("closed"); // 1 of 10
    await fail(breakers, key, 8);
    expect(await breakers.recordFailure(key)).toBe("open"); // 10 of 19
  });

  it("lets only halfOpenProbes probes through at once, and reclaims a lost probe's slot", async () => {
    const { breakers, events, clock } = harness(makeStore(), { halfOpenProbes: 2 });
    const key = freshKey();
    await fail(breakers, key, 5);
    clock.now += 15_000;

    const permits = await Promise.all(Array.from({ length: 5 }, () => breakers.acquire(key)));
    expect(permits.filter((p) => p.allowed)).toHaveLength(2);
    expect(permits.every((p) => p.state === "half_open")).toBe(true);
    expect(events.filter((e) => e.to === "half_open")).toHaveLength(1);

    await breakers.recordSuccess(key); // frees one slot
    expect((await breakers.acquire(key)).allowed).toBe(true);
    expect((await breakers.acquire(key)).allowed).toBe(false);

    clock.now += 60_000; // the probes never reported back
    expect((await breakers.acquire(key)).allowed).toBe(true);
  });

  it("ignores late outcomes while open", async () => {
    const { breakers, events, clock } = harness(makeStore());
    const key = freshKey();
    await fail(breakers, key, 5);
    expect(await breakers.recordSuccess(key)).toBe("open");
    expect(await breakers.recordFailure(key)).toBe("open");
    clock.now += 15_000; // the cooldown was not extended by the late failure
    expect(await breakers.acquire(key)).toEqual({ allowed: true, state: "half_open" });
    expect(events).toHaveLength(2);
  });

  it("lists every key with its state, and forgets idle ones", async () => {
    const { breakers, clock } = harness(makeStore());
    const healthy = freshKey();
    const failing = freshKey();
    await breakers.recordSuccess(healthy);
    await fail(breakers, failing, 5);
    expect(await breakers.states()).toMatchObject({ [healthy]: "closed", [failing]: "open" });
    clock.now += 15_000;
    expect(await breakers.states()).toMatchObject({ [healthy]: "closed", [failing]: "half_open" });
    expect(await breakers.state(freshKey())).toBe("closed");

    clock.now += 10 * 60_000; // idle long enough to be forgotten
    const states = await breakers.states();
    expect(states[healthy]).toBeUndefined();
    expect(states[failing]).toBeUndefined();
    expect(await breakers.acquire(failing)).toEqual({ allowed: true, state: "closed" });
  });

  it("applies edited settings to the next call, and starts the window afresh when its length changes", async () => {
    const { breakers, settings } = harness(makeStore(), { consecutiveFailures: 100 });
    const key = freshKey();
    await fail(breakers, key, 9); // 9 of 9, fewer than minimumRequests
    settings.current = { ...settings.current, windowMs: 60_000 };
    // Counted in 3 s buckets, those nine would read as other times in 6 s ones: they are dropped, not miscounted.
    for (let i = 0; i < 9; i++) await breakers.recordSuccess(key);
    expect(await breakers.recordFailure(key)).toBe("closed"); // 1 of 10, not 10 of 19
    settings.current = { ...settings.current, consecutiveFailures: 2 };
    expect(await breakers.recordFailure(key)).toBe("open"); // two in a row now open it
    settings.current = { ...settings.current, cooldownMs: 1_000 };
    expect(await breakers.acquire(key)).toMatchObject({ allowed: false, retryAfterMs: 15_000 }); // opened before
  });

  it("lets a last-resort request through an open breaker ahead of its cooldown, and a busy half-open one", async () => {
    const { breakers, events } = harness(makeStore());
    const key = freshKey();
    await fail(breakers, key, 5);
    expect(await breakers.acquire(key)).toEqual({ allowed: false, state: "open", retryAfterMs: 15_000 });
    expect(await breakers.acquire(key, "last_resort")).toEqual({ allowed: true, state: "half_open" });
    expect(await breakers.acquire(key)).toEqual({ allowed: false, state: "half_open" }); // the probe slot is taken
    expect(await breakers.acquire(key, "last_resort")).toEqual({ allowed: true, state: "half_open" });
    expect(await breakers.recordSuccess(key)).toBe("half_open");
    expect(await breakers.recordSuccess(key)).toBe("closed");
    expect(events.map((e) => `${e.from}→${e.to}: ${e.reason}`)).toEqual([
      "closed→open: 5 consecutive failures",
      "open→half_open: probe ahead of the cooldown: a request had no other candidate",
      "half_open→closed: 2 probes succeeded in a row",
    ]);
  });

  it("counts a neutral outcome as nothing, and gives a half-open probe slot back", async () => {
    const { breakers, events, clock } = harness(makeStore());
    const key = freshKey();
    await fail(breakers, key, 4);
    expect(await breakers.recordNeutral(key)).toBe("closed");
    expect(await breakers.recordFailure(key)).toBe("open"); // the run of failures went on: five in a row
    clock.now += 15_000;
    expect((await breakers.acquire(key)).allowed).toBe(true);
    expect((await breakers.acquire(key)).allowed).toBe(false);
    expect(await breakers.recordNeutral(key)).toBe("half_open");
    expect((await breakers.acquire(key)).allowed).toBe(true);
    expect(events.map((e) => e.to)).toEqual(["open", "half_open"]);

    const untouched = freshKey();
    expect(await breakers.recordNeutral(untouched)).toBe("closed");
    expect((await breakers.states())[untouched]).toBeUndefined();
  });

  it("refuses a key backing off until its backoff ends, in every mode, counting nothing", async () => {
    const { breakers, events, clock } = harness(makeStore());
    const key = freshKey();
    await breakers.backOff(key, 1_000);
    const refusal = { allowed: false, state: "closed", retryAfterMs: 1_000, backingOff: true };
    expect(await breakers.acquire(key)).toEqual(refusal);
    expect(await breakers.acquire(key, "last_resort")).toEqual(refusal);
    clock.now += 400;
    expect(await breakers.acquire(key)).toMatchObject({ allowed: false, retryAfterMs: 600, backingOff: true });
    clock.now += 600;
    expect(await breakers.acquire(key)).toEqual({ allowed: true, state: "closed" });
    expect(await breakers.state(key)).toBe("closed");
    expect(events).toEqual([]);

    await fail(breakers, key, 5); // an open breaker backing off reads open
    await breakers.backOff(key, 2_000);
    expect(await breakers.acquire(key, "last_resort")).toMatchObject({ allowed: false, state: "open" });
  });

  it("reports each transition exactly once under concurrent callers", async () => {
    const { breakers, events, clock } = harness(makeStore());
    const key = freshKey();
    await Promise.all(Array.from({ length: 20 }, () => breakers.recordFailure(key)));
    clock.now += 15_000;
    await Promise.all(Array.from({ length: 20 }, () => breakers.acquire(key)));
    expect(events.map((e) => e.to)).toEqual(["open", "half_open"]);
  });

  it("takes several breakers in order in one call, stopping at the first refusal", async () => {
    const { breakers, events, clock } = harness(makeStore(), { halfOpenProbes: 1 });
    const [provider, model, other] = [freshKey(), freshKey(), freshKey()];
    await fail(breakers, provider, 5);
    await fail(breakers, model, 5);
    clock.now += 10_000;
    await fail(breakers, other, 5);
    clock.now += 5_000; // provider and model are past their cooldown, other is not

    expect(await breakers.acquireInOrder([provider, model, other])).toEqual([
      { allowed: true, state: "half_open" },
      { allowed: true, state: "half_open" },
      { allowed: false, state: "open", retryAfterMs: 10_000 },
    ]);
    // The probe slots taken before the refusal are held: the next request is refused by the first breaker.
    expect(await breakers.acquireInOrder([provider, model])).toEqual([{ allowed: false, state: "half_open" }]);
    expect(events.filter((e) => e.to === "half_open").map((e) => e.key)).toEqual([provider, model]);
  });

  it("records the outcomes of several breakers in one call, each with its own transition", async () => {
    const { breakers, events } = harness(makeStore());
    const [provider, model] = [freshKey(), freshKey()];
    await fail(breakers, model, 4);
    expect(
      await breakers.record([
        { key: provider, outcome: "success" },
        { key: model, outcome: "failure" },
      ]),
    ).toEqual(["closed", "open"]);
    expect(await breakers.record([{ key: model, outcome: "neutral" }])).toEqual(["open"]);
    expect(events).toEqual([{ key: model, from: "closed", to: "open", reason: "5 consecutive failures" }]);
  });
});

describe("circuit breakers shared through Redis by two replicas", () => {
  const settings = { halfOpenProbes: 1 };
  const replicas = (): [Harness, Harness] => {
    const clock = { now: 1_700_000_000_000 };
    return [
      harness(new RedisBreakerStore(connect(), { keys }), settings, clock),
      harness(new RedisBreakerStore(connect(), { keys }), settings, clock),
    ];
  };

  it("opens for replica B on replica A's failures, and shares the probe slots", async () => {
    const [a, b] = replicas();
    const key = freshKey();
    await fail(a.breakers, key, 5);
    expect(await b.breakers.acquire(key)).toEqual({ allowed: false, state: "open", retryAfterMs: 15_000 });

    a.clock.now += 15_000;
    expect((await a.breakers.acquire(key)).allowed).toBe(true);
    expect((await b.breakers.acquire(key)).allowed).toBe(false); // A holds the only probe
    await a.breakers.recordSuccess(key);
    expect((await b.breakers.acquire(key)).allowed).toBe(true);
    expect(await b.breakers.recordSuccess(key)).toBe("closed");
    expect(await a.breakers.state(key)).toBe("closed");
    expect(a.events.map((e) => e.to)).toEqual(["open", "half_open"]);
    expect(b.events.map((e) => e.to)).toEqual(["closed"]);
  });

  it("reports a single open transition when both replicas record failures at once", async () => {
    const [a, b] = replicas();
    const key = freshKey();
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).breakers.recordFailure(key)));
    const opened = [...a.events, ...b.events].filter((e) => e.to === "open");
    expect(opened).toEqual([{ key, from: "closed", to: "open", reason: "5 consecutive failures" }]);
  });

  it("shares backoffs, which expire in Redis when they end", async () => {
    const [a, b] = replicas();
    const key = freshKey();
    await a.breakers.backOff(key, 1_500);
    expect(await b.breakers.acquire(key)).toMatchObject({ allowed: false, retryAfterMs: 1_500, backingOff: true });
    const ttl = await connections[0]!.pttl(keys.backoff(key));
    expect(ttl).toBeGreaterThan(1_000);
    expect(ttl).toBeLessThanOrEqual(1_500);
  });

  it("lets idle keys expire in Redis", async () => {
    const [a] = replicas();
    const key = freshKey();
    await a.breakers.recordFailure(key);
    const ttl = await connections[0]!.pttl(keys.state(key));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000);
  });

  it("costs one round trip to acquire a request's breakers and one to record its outcomes", async () => {
    const redis = connect();
    const a = harness(new RedisBreakerStore(redis, { keys }));
    const [provider, model] = [freshKey(), freshKey()];
    // Loads both scripts, should Redis not have them yet.
    await a.breakers.acquireInOrder([provider, model]);
    await a.breakers.recordSuccess(provider);
    const sent: string[] = [];
    const sendCommand = redis.sendCommand.bind(redis);
    redis.sendCommand = (command) => {
      sent.push(command.name);
      return sendCommand(command);
    };
    await a.breakers.acquireInOrder([provider, model]);
    await a.breakers.record([
      { key: provider, outcome: "success" },
      { key: model, outcome: "success" },
    ]);
    redis.sendCommand = sendCommand;
    expect(sent).toEqual(["evalsha", "evalsha"]);
  });

  it("fails open when Redis cannot be reached", async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const errors: string[] = [];
    const breakers = new CircuitBreakers(new RedisBreakerStore(dead, { keys }), new Telemetry(), {
      settings: () => DEFAULTS.breaker,
      onStoreError: (_err, op) => errors.push(op),
    });
    expect(await breakers.acquire("openai")).toEqual({ allowed: true, state: "closed" });
    expect(await breakers.recordFailure("openai")).toBe("closed");
    expect(errors).toEqual(["acquire", "record"]);
    await expect(breakers.states()).rejects.toThrow();
    dead.disconnect();
  });
});
