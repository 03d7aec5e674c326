import type { JobEnding, JobStore, NewJob, StartOutcome, StoredJob } from "./job-store.js";
import { nextMeanServiceMs, SEED_SERVICE_MS } from "./wait-estimate.js";
import type { CancelOutcome } from "./types.js";

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The job store of a gateway without Redis: lost on restart. */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, StoredJob>();
  /** Per tenant, its queued jobs' ids (a job leaves when it starts, ends, or is found past its deadline). */
  private readonly queued = new Map<string, Set<string>>();
  private readonly meanService = new Map<string, number>();
  private readonly deletions = new Set<NodeJS.Timeout>();

  /** resultTtlMs: how long a finished job is kept, as configured now. */
  constructor(private readonly resultTtlMs: () => number) {}

  async create(job: NewJob, maxDepth: number, now: number): Promise<number | "full"> {
    const queued = this.queuedOf(job.tenant, now);
    if (queued.size >= maxDepth) return "full";
    const ahead = queued.size;
    this.jobs.set(job.id, {
      ...job,
      status: "queued",
      startedAt: null,
      finishedAt: null,
      attempts: 0,
      result: null,
      error: null,
    });
    queued.add(job.id);
    return ahead;
  }

  async discard(id: string, tenant: string): Promise<void> {
    this.jobs.delete(id);
    this.queued.get(tenant)?.delete(id);
  }

  async get(id: string): Promise<StoredJob | undefined> {
    const job = this.jobs.get(id);
    return job && structuredClone(job);
  }

  async start(id: string, now: number): Promise<StartOutcome> {
    const job = this.jobs.get(id);
    if (job?.status === "queued") {
      if (now >= job.deadlineAt) return { kind: "expired" };
      this.queued.get(job.tenant)?.delete(id);
      Object.assign(job, { status: "running", startedAt: now, attempts: 1 });
      return { kind: "started", attempt: 1 };
    }
    if (job?.status === "running") return { kind: "started", attempt: ++job.attempts };
    return { kind: "gone" };
  }

  async finish(id: string, ending: JobEnding, now: number): Promise<boolean> {
    const job = this.jobs.get(id);
    if (job?.status !== (ending.status === "expired" ? "queued" : "running")) return false;
    this.queued.get(job.tenant)?.delete(id);
    Object.assign(job, { finishedAt: now, ...ending });
    this.deleteLater(id);
    return true;
  }

  async cancel(id: string, tenant: string, now: number): Promise<CancelOutcome> {
    const job = this.jobs.get(id);
    if (job?.tenant !== tenant) return "not_found";
    if (job.status !== "queued" || now >= job.deadlineAt) return "not_cancellable";
    this.queued.get(tenant)?.delete(id);
    Object.assign(job, { status: "cancelled", finishedAt: now });
    this.deleteLater(id);
    return "cancelled";
  }

  async depth(tenant: string | undefined, now: number): Promise<number> {
    const tenants = tenant === undefined ? [...this.queued.keys()] : [tenant];
    return tenants.reduce((sum, name) => sum + (this.queued.has(name) ? this.queuedOf(name, now).size : 0), 0);
  }

  async knownTenants(): Promise<string[]> {
    return [...this.queued.keys()];
  }
  async tenantsWithWork(tenants: readonly string[]): Promise<Set<string>> {
    return new Set(tenants);
  }

  async pruneTenants(): Promise<void> {}

  async recordServiceTime(tenant: string, ms: number): Promise<void> {
    this.meanService.set(tenant, nextMeanServiceMs(this.meanService.get(tenant), ms));
  }

  async meanServiceMs(tenant: string): Promise<number> {
    return this.meanService.get(tenant) ?? SEED_SERVICE_MS;
  }

  async close(): Promise<void> {
    for (const timer of this.deletions) clearTimeout(timer);
    this.deletions.clear();
  }

  /** The tenant's queued ids, without those past their deadline (their records read as expired). */
  private queuedOf(tenant: string, now: number): Set<string> {
    let queued = this.queued.get(tenant);
    if (!queued) {
      queued = new Set();
      this.queued.set(tenant, queued);
    }
    for (const id of queued) {
      const job = this.jobs.get(id);
      if (!job || now >= job.deadlineAt) queued.delete(id);
    }
    return queued;
  }

  private deleteLater(id: string): void {
    // unref: kept results must not keep the process alive. Capped: Node fires longer timeouts at once.
    const timer = setTimeout(
      () => {
        this.deletions.delete(timer);
        this.jobs.delete(id);
      },
      Math.min(this.resultTtlMs(), MAX_TIMEOUT_MS),
    ).unref();
    this.deletions.add(timer);
  }
}
