import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import type { Lease } from "../../src/limits/types.js";
import { FollowingController } from "../../src/resilience/following-controller.js";
import { SlotGate } from "../../src/queue/slot-gate.js";

// The queue's draining and stopping signals live as long as the process. On Node 20, AbortSignal.any() leaves a
// WeakRef in each source signal's set of dependants (internal, kDependantSignals) that is never removed: the soak
// saw the heap grow by one per queued job and per signal. What follows them must leave nothing behind.
function dependantsOf(signal: AbortSignal): number {
  const symbol = Object.getOwnPropertySymbols(signal).find((s) => s.description === "kDependantSignals");
  const dependants: unknown = symbol === undefined ? undefined : Reflect.get(signal, symbol);
  const size: unknown = dependants === undefined ? 0 : Reflect.get(Object(dependants), "size");
  if (typeof size !== "number") throw new Error("the signal's dependants are no longer a Set: update this probe");
  return size;
}

const lease: Lease = { id: "lease", release: async () => {} };

describe("per-job signals that follow the queue's long-lived ones", () => {
  it("dependantsOf sees what AbortSignal.any leaves on its source (so the checks below can fail)", () => {
    const longLived = new AbortController().signal;
    for (let i = 0; i < 10; i++) AbortSignal.any([longLived, new AbortController().signal]);
    expect(dependantsOf(longLived)).toBe(10);
  });

  it("a slot gate's waiters leave no dependant and no listener on the queue's signal", async () => {
    const draining = new AbortController();
    const gate = new SlotGate(5, () => {});
    const waits = Array.from({ length: 50 }, () =>
      gate.acquire({
        until: Date.now() + 10_000,
        signal: draining.signal,
        stillWanted: async () => true,
        take: async () => lease,
      }),
    );
    expect((await Promise.all(waits)).map((w) => w.kind)).toEqual(Array(50).fill("granted"));
    expect(dependantsOf(draining.signal)).toBe(0);
    expect(getEventListeners(draining.signal, "abort")).toHaveLength(0);
  });

  it("a waiter still stops when the queue's signal aborts", async () => {
    const draining = new AbortController();
    const gate = new SlotGate(5, () => {});
    const request = { until: Date.now() + 10_000, signal: draining.signal, stillWanted: async () => true };
    const first = gate.acquire({ ...request, take: async () => undefined });
    const second = gate.acquire({ ...request, take: async () => lease });
    draining.abort();
    expect((await first).kind).toBe("stopped");
    expect((await second).kind).toBe("stopped");
    expect(getEventListeners(draining.signal, "abort")).toHaveLength(0);
  });

  it("a following controller aborts with its source's reason until disposed, and removes its listener", () => {
    const source = new AbortController();
    const following = new FollowingController(source.signal);
    source.abort("closing");
    expect(following.signal.reason).toBe("closing");

    const other = new AbortController();
    const disposedEarly = new FollowingController(other.signal);
    disposedEarly.dispose();
    other.abort();
    expect(disposedEarly.signal.aborted).toBe(false);
    expect(getEventListeners(other.signal, "abort")).toHaveLength(0);
    expect(dependantsOf(other.signal)).toBe(0);
  });

  it("a following controller times out unless disposed first, and tells a timeout from its source", async () => {
    const source = new AbortController();
    const timing = new FollowingController(source.signal, 5);
    const disposed = new FollowingController(source.signal, 5);
    disposed.dispose();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(timing.signal.aborted).toBe(true);
    expect(timing.timedOut).toBe(true);
    expect(disposed.signal.aborted).toBe(false);
    const followed = new FollowingController(source.signal, 1_000);
    source.abort("closing");
    followed.dispose();
    expect(followed.timedOut).toBe(false);
    expect(followed.signal.reason).toBe("closing");
  });

  it("a following controller made from an aborted source starts aborted", () => {
    const source = new AbortController();
    source.abort("gone");
    expect(new FollowingController(source.signal).signal.reason).toBe("gone");
  });
});
