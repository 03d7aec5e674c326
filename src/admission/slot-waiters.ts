import type { SlotWaitOutcome, Telemetry } from "../telemetry/events.js";
import type { SlotDecision, SlotRefusal } from "./slots.js";

export type WaitResult =
  | { kind: "admitted"; decision: Extract<SlotDecision, { granted: true }> }
  /** No slot before the deadline: the limiter's latest refusal in the tenant's line. */
  | { kind: "timed_out"; refusal: SlotRefusal }
  /** The client left (the signal was aborted): it holds no slot and is out of the line. */
  | { kind: "abandoned" };

export interface WaitRequest {
  tenant: string;
  /** The refusal that sent the request to wait. */
  refused: SlotRefusal;
  /** Give up at this time (epoch ms). */
  until: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Asks the limiter for one of the tenant's slots. */
  take(): Promise<SlotDecision>;
}

export interface SlotWaitersPacing {
  /**
   * How often the first waiter of a tenant asks the limiter again without being woken: how soon it sees a slot that
   * another replica (or a lease that expired) freed. A slot freed in this process wakes it at once.
   */
  pollMs: number;
}

export const SLOT_WAITERS_PACING: Readonly<SlotWaitersPacing> = Object.freeze({ pollMs: 100 });

/** A tenant's waiters in arrival order, and the limiter's latest refusal to any of them (for a 429's headers). */
interface Line {
  waiters: Waiter[];
  lastRefusal: SlotRefusal;
}

interface Waiter {
  /** Resolved when this waiter is first in its tenant's line. */
  turn: Promise<void>;
  giveTurn(): void;
  /** Cuts short the first waiter's pause: a slot was freed. */
  nudge(): void;
  /** A slot was freed while the first waiter was asking the limiter: ask again rather than pause. */
  nudged: boolean;
}

/**
 * The requests of each tenant that wait on their connection for a slot, in this process, first come first served.
 * Only the first of a tenant's line asks the limiter (so N waiters cost one limiter call per wake or poll, not N,
 * and the slot goes to the oldest); it is woken when this process gives a slot of the tenant back, and asks again
 * every pollMs for slots freed elsewhere. A waiter that leaves (deadline, client gone) gives its place up.
 */
export class SlotWaiters {
  private readonly lines = new Map<string, Line>();

  constructor(
    private readonly telemetry: Telemetry,
    private readonly pacing: SlotWaitersPacing = SLOT_WAITERS_PACING,
  ) {}

  /** How many requests of the tenant wait in this process. */
  waiting(tenant: string): number {
    return this.lines.get(tenant)?.waiters.length ?? 0;
  }

  /** The limiter's latest refusal to a waiting request of the tenant; undefined when none waits. */
  lastRefusal(tenant: string): SlotRefusal | undefined {
    return this.lines.get(tenant)?.lastRefusal;
  }

  /** Waiting requests by tenant (tenants with none left out). */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.lines].map(([tenant, line]) => [tenant, line.waiters.length]));
  }

  /** A slot of the tenant was given back in this process: its first waiter asks for it now. */
  wake(tenant: string): void {
    const first = this.lines.get(tenant)?.waiters[0];
    if (first) {
      first.nudged = true;
      first.nudge();
    }
  }

  async wait(request: WaitRequest): Promise<WaitResult> {
    const { tenant } = request;
    const line = this.lineOf(tenant, request.refused);
    const waiter = this.join(tenant, line);
    const started = performance.now();
    let outcome: SlotWaitOutcome = "failed";
    try {
      const result = await this.waitInLine(waiter, line, request);
      outcome = result.kind;
      return result;
    } finally {
      this.leave(tenant, waiter);
      this.telemetry.emit("limits.wait", { tenant, outcome, waitMs: performance.now() - started });
    }
  }

  private async waitInLine(waiter: Waiter, line: Line, request: WaitRequest): Promise<WaitResult> {
    const gaveUp = (): WaitResult =>
      request.signal.aborted ? { kind: "abandoned" } : { kind: "timed_out", refusal: line.lastRefusal };
    if (!(await until(waiter.turn, request))) return gaveUp();
    for (;;) {
      waiter.nudged = false;
      const decision = await request.take();
      if (decision.granted) {
        if (!request.signal.aborted) return { kind: "admitted", decision };
        // The client left while the slot was being granted: nothing is sent upstream, and the slot (with all the
        // tokens it reserved) goes back.
        await decision.slot.release(0);
        return { kind: "abandoned" };
      }
      line.lastRefusal = decision;
      if (waiter.nudged) continue;
      const pauseMs = Math.max(this.pacing.pollMs, decision.reason === "concurrency" ? 0 : decision.retryAfterMs);
      if (Date.now() + pauseMs > request.until && decision.reason !== "concurrency") {
        // A per-minute limit that frees up only after the deadline: waiting longer cannot help.
        return gaveUp();
      }
      let timer: NodeJS.Timeout | undefined;
      const nudged = new Promise<void>((resolve) => (waiter.nudge = resolve));
      const pause = new Promise<void>((resolve) => (timer = setTimeout(resolve, pauseMs)));
      const goOn = await until(Promise.race([nudged, pause]), request).finally(() => clearTimeout(timer));
      if (!goOn) return gaveUp();
    }
  }

  private lineOf(tenant: string, refused: SlotRefusal): Line {
    const line = this.lines.get(tenant) ?? { waiters: [], lastRefusal: refused };
    this.lines.set(tenant, line);
    return line;
  }

  private join(tenant: string, { waiters: line }: Line): Waiter {
    let giveTurn = () => {};
    const turn = new Promise<void>((resolve) => (giveTurn = resolve));
    const waiter: Waiter = { turn, giveTurn, nudge: () => {}, nudged: false };
    line.push(waiter);
    if (line.length === 1) giveTurn();
    this.telemetry.emit("limits.waiting", { tenant, delta: 1 });
    return waiter;
  }

  private leave(tenant: string, waiter: Waiter): void {
    const line = this.lines.get(tenant)?.waiters;
    if (!line) return;
    const index = line.indexOf(waiter);
    if (index < 0) return;
    line.splice(index, 1);
    this.telemetry.emit("limits.waiting", { tenant, delta: -1 });
    if (line.length === 0) this.lines.delete(tenant);
    else if (index === 0) line[0]?.giveTurn();
  }
}

/** true once `event` happened; false when the request's deadline passed or its client left first. */
async function until(event: Promise<void>, { until: deadline, signal }: WaitRequest): Promise<boolean> {
  if (signal.aborted) return false;
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  const stop = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([event.then(() => true as const), stop]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}
