import { setMaxListeners } from "node:events";
import { randomUUID } from "node:crypto";
import type { Telemetry } from "../telemetry/events.js";
import { QueueFullError } from "./job-errors.js";
import { JobNotifier } from "./job-notifier.js";
import { JobProcessor, type ProcessOutcome } from "./job-processor.js";
import type { JobStore } from "./job-store.js";
import type { JobTransport } from "./job-transport.js";
import { toJobRecord } from "./job-view.js";
import type { QueuePacing, QueueSettings } from "./queue-settings.js";
import { queuedRequest } from "./queued-request.js";
import type {
  CancelOutcome,
  Enqueued,
  EnqueueInput,
  JobPayload,
  JobRecord,
  OverflowQueue,
  QueueStats,
  WorkerSetup,
} from "./types.js";
import { estimateWaitSeconds } from "./wait-estimate.js";

interface Workers {
  setup: WorkerSetup;
  processor: JobProcessor;
  notifier: JobNotifier;
  served: Map<string, number>;
  refresh: NodeJS.Timeout;
}

/** Wait between the end of the grace period and giving up on attempts that ignore their abort signal. */
const STOP_WAIT_MS = 1_000;

/** The overflow queue: a job store (records, status, depth) plus a transport (who runs what), memory or Redis. */
export class TransportQueue implements OverflowQueue {
  private workers: Workers | undefined;
  private readonly draining = new AbortController();
  private readonly stopping = new AbortController();
  private closed: Promise<void> | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly transport: JobTransport,
    private readonly settings: () => QueueSettings,
    private readonly pacing: QueuePacing,
    private readonly telemetry: Telemetry,
  ) {
    // Every idle worker of every tenant waits on these signals: many listeners are expected, not a leak.
    setMaxListeners(0, this.draining.signal, this.stopping.signal);
  }

  get kind(): "memory" | "redis" {
    return this.transport.kind;
  }

  async enqueue(input: EnqueueInput): Promise<Enqueued> {
    if (this.closed) throw new Error("the overflow queue is closed");
    const { tenant, requestId } = input;
    const id = `job_${randomUUID().replaceAll("-", "")}`;
    const now = Date.now();
    const newJob = {
      id,
      tenant,
      requestId,
      operation: input.operation ?? "chat",
      createdAt: now,
      deadlineAt: now + this.settings().maxWaitMs,
      callbackUrl: input.callbackUrl ?? null,
    };
    const { maxDepth } = input;
    const ahead = await this.store.create(newJob, maxDepth, now);
    if (ahead === "full") {
      this.telemetry.emit("queue.job", { jobId: id, tenant, outcome: "rejected", reason: "queue_full" });
      // A place frees up when one of the tenant's jobs is done: about one service time per slot.
      const retryAfterMs = (await this.store.meanServiceMs(tenant)) / Math.max(1, input.maxConcurrency ?? 1);
      throw new QueueFullError(tenant, maxDepth, Math.max(1000, retryAfterMs));
    }
    try {
      await this.transport.push(id, { tenant, requestId, ...queuedRequest(input) });
    } catch (err) {
      await this.store.discard(id, tenant);
      throw err;
    }
    this.telemetry.emit("queue.job", { jobId: id, tenant, outcome: "queued" });
    this.serve(tenant);
    const meanServiceMs = await this.store.meanServiceMs(tenant);
    return {
      id,
      position: ahead + 1,
      estimatedWaitSeconds: estimateWaitSeconds(ahead, meanServiceMs, input.maxConcurrency ?? 1),
    };
  }

  async get(id: string, tenant: string): Promise<JobRecord | undefined> {
    const job = await this.store.get(id);
    return job?.tenant === tenant ? toJobRecord(job, Date.now()) : undefined;
  }

  async cancel(id: string, tenant: string): Promise<CancelOutcome> {
    const outcome = await this.store.cancel(id, tenant, Date.now());
    if (outcome === "cancelled") {
      this.telemetry.emit("queue.job", { jobId: id, tenant, outcome: "cancelled" });
      // A worker that already took it sees the cancellation and skips it.
      await this.transport.remove(id, tenant);
    }
    return outcome;
  }

  depth(tenant?: string): Promise<number> {
    return this.store.depth(tenant, Date.now());
  }

  async stats(): Promise<QueueStats> {
    const workers = this.workers ? [...this.workers.served.values()].reduce((sum, n) => sum + n, 0) : 0;
    return { waiting: await this.depth(), running: this.workers?.processor.running ?? 0, workers };
  }

  recordServiceTime(tenant: string, ms: number): Promise<void> {
    return this.store.recordServiceTime(tenant, ms);
  }

  meanServiceMs(tenant: string): Promise<number> {
    return this.store.meanServiceMs(tenant);
  }

  startWorkers(setup: WorkerSetup): void {
    if (this.workers) throw new Error("workers already started");
    if (this.closed) throw new Error("the overflow queue is closed");
    const notifier = new JobNotifier(this.telemetry, setup.webhooks);
    const processor = new JobProcessor({
      store: this.store,
      settings: this.settings,
      pacing: this.pacing,
      telemetry: this.telemetry,
      runner: setup.runner,
      notifier,
      draining: this.draining.signal,
      stopping: this.stopping.signal,
    });
    const refresh = setInterval(() => void this.serveKnownTenants(), this.pacing.tenantRefreshMs).unref();
    this.workers = { setup, processor, notifier, served: new Map(), refresh };
    void this.serveKnownTenants();
  }

  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.draining.abort();
    const workers = this.workers;
    if (workers) {
      clearInterval(workers.refresh);
      await workers.processor.settle(this.pacing.closeGraceMs);
      this.stopping.abort();
      await workers.processor.settle(STOP_WAIT_MS);
      await workers.notifier.close(this.pacing.closeGraceMs);
    }
    await this.transport.close();
    await this.store.close();
  }

  /** The gateway's tenants and every tenant that has queued a job (on any replica) get workers. */
  private async serveKnownTenants(): Promise<void> {
    if (!this.workers) return;
    const known = await this.store.knownTenants().catch(() => []);
    for (const tenant of new Set([...this.workers.setup.tenants(), ...known])) this.serve(tenant);
  }

  private serve(tenant: string): void {
    const workers = this.workers;
    if (!workers || workers.served.has(tenant) || this.draining.signal.aborted) return;
    const concurrency = Math.max(1, Math.floor(workers.setup.runner.concurrency(tenant)));
    workers.served.set(tenant, concurrency);
    this.transport.serve(tenant, concurrency, (id, payload) => this.handle(id, payload), this.draining.signal);
  }

  private async handle(id: string, payload: JobPayload): Promise<ProcessOutcome> {
    if (!this.workers) throw new Error("no workers");
    try {
      return await this.workers.processor.process(id, payload);
    } catch (err) {
      this.telemetry.emit("queue.job", {
        jobId: id,
        tenant: payload.tenant,
        outcome: "errored",
        reason: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  }
}
