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
import { estimateWaitSeconds, SEED_SERVICE_MS } from "./wait-estimate.js";

interface Workers {
  setup: WorkerSetup;
  processor: JobProcessor;
  notifier: JobNotifier;
  /** The tenants served in this process, with their worker count. */
  served: Map<string, number>;
  /** When each served tenant last had a job. */
  lastBusy: Map<string, number>;
  refresh: NodeJS.Timeout;
}

/** Wait between the end of the grace period and giving up on attempts that ignore their abort signal. */
const STOP_WAIT_MS = 1_000;

/**
 * The overflow queue: a job store (records, status, depth) plus a transport (who runs what), memory or Redis.
 * A tenant is served (its workers, and with Redis its connections) only while it has jobs, and only when it is one
 * of this gateway's tenants.
 */
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
    /** What a client is told when the store or the transport failed (Redis: a 503 naming it). */
    private readonly failure: (err: unknown) => unknown = (err) => err,
  ) {
    // Every idle worker of every tenant waits on these signals: many listeners are expected, not a leak.
    setMaxListeners(0, this.draining.signal, this.stopping.signal);
  }

  /** Rethrows a failure of the store or the transport as the client should see it. */
  private readonly fail = (err: unknown): never => {
    throw this.failure(err);
  };

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
    const ahead = await this.store.create(newJob, maxDepth, now).catch(this.fail);
    if (ahead === "full") {
      this.telemetry.emit("queue.job", { jobId: id, tenant, outcome: "rejected", reason: "queue_full" });
      // A place frees up when one of the tenant's jobs is done: about one service time per slot.
      const retryAfterMs = (await this.meanServiceMs(tenant)) / Math.max(1, input.maxConcurrency ?? 1);
      throw new QueueFullError(tenant, maxDepth, Math.max(1000, retryAfterMs));
    }
    // Served first, so that with Redis the worker's connection carries the job (no producer connection).
    this.serve(tenant);
    try {
      await this.transport.push(id, { tenant, requestId, ...queuedRequest(input) });
    } catch (err) {
      await this.store.discard(id, tenant).catch(() => {});
      throw this.failure(err);
    }
    this.telemetry.emit("queue.job", { jobId: id, tenant, outcome: "queued" });
    const meanServiceMs = await this.meanServiceMs(tenant);
    return {
      id,
      position: ahead + 1,
      estimatedWaitSeconds: estimateWaitSeconds(ahead, meanServiceMs, input.maxConcurrency ?? 1),
    };
  }

  async get(id: string, tenant: string): Promise<JobRecord | undefined> {
    const job = await this.store.get(id).catch(this.fail);
    return job?.tenant === tenant ? toJobRecord(job, Date.now()) : undefined;
  }

  async cancel(id: string, tenant: string): Promise<CancelOutcome> {
    const outcome = await this.store.cancel(id, tenant, Date.now()).catch(this.fail);
    if (outcome === "cancelled") {
      this.telemetry.emit("queue.job", { jobId: id, tenant, outcome: "cancelled" });
      // A worker that takes it anyway (it could not be removed) sees the cancellation and skips it.
      await this.transport.remove(id, tenant).catch(() => {});
    }
    return outcome;
  }

  depth(tenant?: string): Promise<number> {
    return this.store.depth(tenant, Date.now()).catch(this.fail);
  }

  async stats(): Promise<QueueStats> {
    const workers = this.workers ? [...this.workers.served.values()].reduce((sum, n) => sum + n, 0) : 0;
    const problem = this.transport.problem();
    return {
      waiting: await this.depth(),
      running: this.workers?.processor.running ?? 0,
      workers,
      serving: this.workers !== undefined && !this.draining.signal.aborted,
      ...(problem === undefined ? {} : { problem }),
    };
  }

  recordServiceTime(tenant: string, ms: number): Promise<void> {
    return this.store.recordServiceTime(tenant, ms);
  }

  /** For estimates only (a wait, a Retry-After): the seed when the store cannot be read. */
  meanServiceMs(tenant: string): Promise<number> {
    return this.store.meanServiceMs(tenant).catch(() => SEED_SERVICE_MS);
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
    const refresh = setInterval(() => void this.refreshTenants(), this.pacing.tenantRefreshMs).unref();
    this.workers = { setup, processor, notifier, served: new Map(), lastBusy: new Map(), refresh };
    // Not now: the gateway's tenants are live configuration, read once start-up is over.
    queueMicrotask(() => void this.refreshTenants());
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

  /**
   * Serves this gateway's tenants that have jobs (queued by any replica), releases those idle for idleReleaseMs,
   * and has the store forget tenants with no job left.
   */
  private async refreshTenants(): Promise<void> {
    const workers = this.workers;
    if (!workers || this.draining.signal.aborted) return;
    const now = Date.now();
    const busy = await this.store.tenantsWithWork(workers.setup.tenants(), now).catch(() => undefined);
    if (!busy) return;
    for (const tenant of busy) this.serve(tenant);
    for (const tenant of [...workers.served.keys()]) {
      if (busy.has(tenant) || now - (workers.lastBusy.get(tenant) ?? 0) < this.pacing.idleReleaseMs) continue;
      const count = workers.served.get(tenant) ?? 0;
      workers.served.delete(tenant);
      if (!(await this.transport.release(tenant))) workers.served.set(tenant, count);
    }
    await this.store.pruneTenants().catch(() => {});
  }

  private serve(tenant: string): void {
    const workers = this.workers;
    if (!workers || this.draining.signal.aborted) return;
    workers.lastBusy.set(tenant, Date.now());
    if (workers.served.has(tenant)) return;
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
