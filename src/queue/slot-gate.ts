import { setTimeout as sleep } from "node:timers/promises";
import type { Lease } from "../limits/types.js";
import { FollowingController } from "../resilience/following-controller.js";

export type SlotWait =
  | { kind: "granted"; lease: Lease }
  /** No slot before `until`. */
  | { kind: "deadline" }
  /** The job stopped wanting one (cancelled, or finished elsewhere). */
  | { kind: "unwanted" }
  /** The signal was aborted (the queue is closing). */
  | { kind: "stopped" };

export interface SlotRequest {
  /** Give up at this time (epoch ms). */
  until: number;
  /** Asked before each poll. */
  stillWanted(): Promise<boolean>;
  /** Asks the limiter for a slot for this job: the lease, or undefined when there is none free. */
  take(): Promise<Lease | undefined>;
  signal: AbortSignal;
}

/**
 * One tenant's jobs waiting for a slot in this process, served in arrival order. Only the oldest waiter polls
 * the limiter, so N waiting jobs cost one take() per poll interval, not N, and the oldest gets the freed slot.
 */
export class SlotGate {
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly pollMs: number,
    /** A failed check (limiter or store unreachable) counts as "no slot yet": the job keeps waiting until `until`. */
    private readonly onError: (err: unknown) => void,
  ) {}

  async acquire(request: SlotRequest): Promise<SlotWait> {
    const previous = this.turn;
    let passTurn = () => {};
    this.turn = new Promise((resolve) => (passTurn = resolve));
    try {
      const waited = await waitForTurn(previous, request);
      return waited ?? (await this.poll(request));
    } finally {
      passTurn();
    }
  }

  private async poll(request: SlotRequest): Promise<SlotWait> {
    for (;;) {
      if (request.signal.aborted) return { kind: "stopped" };
      try {
        if (!(await request.stillWanted())) return { kind: "unwanted" };
        const lease = await request.take();
        if (lease) return { kind: "granted", lease };
      } catch (err) {
        this.onError(err);
      }
      const left = request.until - Date.now();
      if (left <= 0) return { kind: "deadline" };
      try {
        await sleep(Math.min(this.pollMs, left), undefined, { signal: request.signal });
      } catch {
        return { kind: "stopped" };
      }
    }
  }
}

/** undefined when it is this waiter's turn; otherwise why it stopped waiting first. */
async function waitForTurn(previous: Promise<void>, request: SlotRequest): Promise<SlotWait | undefined> {
  const waiting = new FollowingController(request.signal);
  const { signal } = waiting;
  try {
    return await Promise.race([
      previous.then(() => undefined),
      sleep(Math.max(0, request.until - Date.now()), { kind: "deadline" } as const, { signal }).catch(
        () => ({ kind: "stopped" }) as const,
      ),
    ]);
  } finally {
    waiting.dispose();
    waiting.abort();
  }
}
