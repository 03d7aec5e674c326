import { setTimeout as sleep } from "node:timers/promises";
import type { Lease } from "../limits/types.js";
import { retryDelayMs } from "../resilience/backoff.js";
import { FollowingController } from "../resilience/following-controller.js";
import { GatewayError, isRetryable } from "../errors/gateway-error.js";
import type { Telemetry } from "../telemetry/events.js";
import { attemptsExhaustedError, attemptTimeoutError, EXPIRED_ERROR, toJobError } from "./job-errors.js";
import type { JobNotifier } from "./job-notifier.js";
import { isFinished, type JobEnding, type JobStore, type StoredJob } from "./job-store.js";
import type { QueuePacing, QueueSettings } from "./queue-settings.js";
import { SlotGate } from "./slot-gate.js";
import type { JobOutput, JobPayload, JobResult, JobRunner, JobStatus } from "./types.js";

/** "handed_back": not finished here (the queue is closing); the transport lets another worker take it. */
export type ProcessOutcome = "done" | "handed_back";

type AttemptResult =
  | { kind: "succeeded"; result: JobOutput; attempt: number; durationMs: number }
  | { kind: "failed"; error: unknown; attempt: number }
  | { kind: "expired" }
  | { kind: "gone" }
  | { kind: "stopped" };

export interface JobProcessorOptions {
  store: JobStore;
  /** queue.* as configured now: read at every decision, so an edit applies to the next one. */
  settings: () => QueueSettings;
  pacing: QueuePacing;
  telemetry: Telemetry;
  runner: JobRunner;
  notifier: JobNotifier;
  /** Aborted when the queue starts closing: no more waiting for slots or backoffs. */
  draining: AbortSignal;
  /** Aborted when the closing grace period is over: attempts still running are abandoned. */
  stopping: AbortSignal;
}

/**
 * Takes one job from "picked up by a worker" to its end: waits for a slot of its tenant, runs it with a
 * timeout, retries retryable failures with backoff, stores the outcome and has the webhook sent. Safe to run
 * twice for the same job (a re-run after a worker died): a finished job is skipped, and of two racing runs
 * only the first to finish is recorded.
 */
export class JobProcessor {
  private readonly gates = new Map<string, SlotGate>();
  private readonly inProgress = new Set<Promise<ProcessOutcome>>();
  private runningAttempts = 0;

  constructor(private readonly options: JobProcessorOptions) {}

  /** Attempts holding a slot in this process right now. */
  get running(): number {
    return this.runningAttempts;
  }

  process(id: string, payload: JobPayload): Promise<ProcessOutcome> {
    const processing = this.processJob(id, payload);
    this.inProgress.add(processing);
    const forget = () => void this.inProgress.delete(processing);
    processing.then(forget, forget);
    return processing;
  }

  /** Resolves when every job in progress has ended or been handed back, or after timeoutMs. */
  async settle(timeoutMs: number): Promise<void> {
    const all = Promise.allSettled(this.inProgress);
    await Promise.race([all, sleep(timeoutMs, undefined, { ref: false })]);
  }

  private async processJob(id: string, payload: JobPayload): Promise<ProcessOutcome> {
    const { store, settings, telemetry } = this.options;
    const job = await store.get(id);
    if (!job || isFinished(job.status)) return "done";
    if (job.status === "running") {
      telemetry.emit("queue.job", { jobId: id, tenant: job.tenant, outcome: "recovered", attempt: job.attempts });
      if (job.attempts >= settings().maxAttempts) {
        await this.end(job, { status: "failed", error: attemptsExhaustedError(job.attempts) });
        return "done";
      }
    }
    return this.attempts(job, payload);
  }

  private async attempts(job: StoredJob, payload: JobPayload): Promise<ProcessOutcome> {
    const { settings, telemetry, runner, draining } = this.options;
    let waitingAs: JobStatus = job.status;
    let until = job.status === "queued" ? job.deadlineAt : Date.now() + settings().maxWaitMs;
    let lastError: unknown;
    for (;;) {
      const slot = await this.gateOf(job.tenant).acquire({
        until,
        signal: draining,
        stillWanted: () => this.isStill(job.id, waitingAs),
        take: () => runner.takeSlot(payload),
      });
      if (slot.kind === "stopped") return this.handBack(job);
      if (slot.kind === "unwanted") return "done";
      if (slot.kind === "deadline") {
        // Queued: it expires. Running (between retries, or re-run after its worker died): it fails with the last error.
        const error = lastError === undefined ? { ...EXPIRED_ERROR } : toJobError(lastError);
        await this.end(job, { status: waitingAs === "queued" ? "expired" : "failed", error });
        return "done";
      }

      const attempt = await this.attempt(job, payload, slot.lease);
      switch (attempt.kind) {
        case "stopped":
          return this.handBack(job);
        case "gone":
          return "done";
        case "expired":
          await this.end(job, { status: "expired", error: { ...EXPIRED_ERROR } });
          return "done";
        case "succeeded":
          await this.end(
            job,
            { status: "succeeded", result: attempt.result },
            { attempt: attempt.attempt, durationMs: attempt.durationMs },
          );
          return "done";
      }
      if (!isRetryable(attempt.error) || attempt.attempt >= settings().maxAttempts) {
        await this.end(job, { status: "failed", error: toJobError(attempt.error) }, { attempt: attempt.attempt });
        return "done";
      }
      const delayMs = this.retryDelayMs(attempt.attempt, attempt.error);
      telemetry.emit("queue.job", {
        jobId: job.id,
        tenant: job.tenant,
        outcome: "retrying",
        attempt: attempt.attempt,
        reason: toJobError(attempt.error).message,
      });
      try {
        await sleep(delayMs, undefined, { signal: draining });
      } catch {
        return this.handBack(job);
      }
      lastError = attempt.error;
      waitingAs = "running";
      until = Date.now() + settings().maxWaitMs;
    }
  }

  /** Starts the job (the store decides whether it may), runs it once, and always releases the slot. */
  private async attempt(job: StoredJob, payload: JobPayload, lease: Lease): Promise<AttemptResult> {
    const { store, telemetry } = this.options;
    let usedTokens: number | undefined;
    try {
      const now = Date.now();
      const start = await store.start(job.id, now);
      if (start.kind !== "started") return start;
      telemetry.emit("queue.job", {
        jobId: job.id,
        tenant: job.tenant,
        outcome: "started",
        attempt: start.attempt,
        waitMs: now - job.createdAt,
      });
      const began = performance.now();
      this.runningAttempts++;
      try {
        const { output: result, usedTokens: used } = await this.runWithTimeout(payload);
        usedTokens = used;
        const durationMs = performance.now() - began;
        // Only feeds the wait estimate: losing a sample must not fail the job.
        await store.recordServiceTime(job.tenant, durationMs).catch(() => {});
        return { kind: "succeeded", result, attempt: start.attempt, durationMs };
      } catch (error) {
        if (this.options.stopping.aborted) return { kind: "stopped" };
        return { kind: "failed", error, attempt: start.attempt };
      } finally {
        this.runningAttempts--;
      }
    } finally {
      // The real usage reconciles the tokens-per-minute reservation. A release that fails (Redis down) is not
      // the job's failure: an unreleased lease expires by itself.
      await lease.release(usedTokens).catch(() => {});
    }
  }

  private async runWithTimeout(payload: JobPayload): Promise<JobResult> {
    const timeoutMs = this.options.settings().jobTimeoutMs;
    const running = new FollowingController(this.options.stopping, timeoutMs);
    try {
      return await untilAborted(this.options.runner.run(payload, running.signal), running.signal);
    } catch (err) {
      throw running.timedOut ? attemptTimeoutError(timeoutMs) : err;
    } finally {
      running.dispose();
    }
  }

  /** Records the ending (unless another run ended the job first), then reports it and sends the webhook. */
  private async end(
    job: StoredJob,
    ending: JobEnding,
    report: { attempt?: number; durationMs?: number } = {},
  ): Promise<void> {
    const { store, telemetry, notifier } = this.options;
    if (!(await store.finish(job.id, ending, Date.now()))) return;
    const reason = ending.status === "succeeded" ? undefined : ending.error.message;
    telemetry.emit("queue.job", { jobId: job.id, tenant: job.tenant, outcome: ending.status, ...report, reason });
    const finished = await store.get(job.id);
    if (finished) notifier.jobFinished(finished);
  }

  private handBack(job: StoredJob): ProcessOutcome {
    this.options.telemetry.emit("queue.job", { jobId: job.id, tenant: job.tenant, outcome: "handed_back" });
    return "handed_back";
  }

  private async isStill(id: string, status: JobStatus): Promise<boolean> {
    return (await this.options.store.get(id))?.status === status;
  }

  private gateOf(tenant: string): SlotGate {
    let gate = this.gates.get(tenant);
    if (!gate) {
      const reportError = (err: unknown) =>
        this.options.telemetry.emit("queue.error", {
          tenant,
          message: `waiting for a slot: ${err instanceof Error ? err.message : String(err)}`,
        });
      gate = new SlotGate(this.options.pacing.slotPollMs, reportError);
      this.gates.set(tenant, gate);
    }
    return gate;
  }

  /** The provider's retry-after is a floor, but not past retryMaxDelayMs, which the record's TTL allows for. */
  private retryDelayMs(attempt: number, error: unknown): number {
    const { retryBaseDelayMs, retryMaxDelayMs } = this.options.pacing;
    const backoff = { baseDelayMs: retryBaseDelayMs, maxDelayMs: retryMaxDelayMs, capMs: retryMaxDelayMs };
    return retryDelayMs(attempt, backoff, error instanceof GatewayError ? error.retryAfterMs : undefined);
  }
}

/** The runner's promise, or a rejection as soon as the signal aborts (for a runner that ignores its signal). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {}); // it may reject after we stopped listening
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
