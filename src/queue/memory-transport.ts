import type { JobHandler, JobTransport } from "./job-transport.js";
import type { JobPayload } from "./types.js";

interface QueuedJob {
  id: string;
  payload: JobPayload;
}

/** One tenant's jobs and the workers waiting for the next one. */
class TenantLine {
  readonly jobs: QueuedJob[] = [];
  private readonly idle: ((job: QueuedJob | undefined) => void)[] = [];

  push(job: QueuedJob, atFront = false): void {
    const worker = this.idle.shift();
    if (worker) worker(job);
    else if (atFront) this.jobs.unshift(job);
    else this.jobs.push(job);
  }

  /** The next job, or undefined once `draining` aborts. */
  take(draining: AbortSignal): Promise<QueuedJob | undefined> {
    if (draining.aborted) return Promise.resolve(undefined);
    const next = this.jobs.shift();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => {
      const wake = (job: QueuedJob | undefined) => {
        draining.removeEventListener("abort", stop);
        resolve(job);
      };
      const stop = () => {
        const index = this.idle.indexOf(wake);
        if (index >= 0) this.idle.splice(index, 1);
        resolve(undefined);
      };
      this.idle.push(wake);
      draining.addEventListener("abort", stop, { once: true });
    });
  }
}

/** In-process FIFO per tenant; lost on restart. */
export class MemoryTransport implements JobTransport {
  readonly kind = "memory";
  private readonly lines = new Map<string, TenantLine>();

  async push(id: string, payload: JobPayload): Promise<void> {
    this.lineOf(payload.tenant).push({ id, payload });
  }

  async remove(id: string, tenant: string): Promise<void> {
    const jobs = this.lines.get(tenant)?.jobs;
    const index = jobs?.findIndex((job) => job.id === id) ?? -1;
    if (index >= 0) jobs?.splice(index, 1);
  }

  serve(tenant: string, concurrency: number, handle: JobHandler, draining: AbortSignal): void {
    const line = this.lineOf(tenant);
    const work = async () => {
      for (let job = await line.take(draining); job; job = await line.take(draining)) {
        // A handler that throws has reported it (telemetry); in memory there is nowhere better to put the job.
        const outcome = await handle(job.id, job.payload).catch(() => "done" as const);
        if (outcome === "handed_back") line.push(job, true);
      }
    };
    for (let i = 0; i < concurrency; i++) void work();
  }

  /** Workers in memory cost nothing: they keep serving. */
  async release(): Promise<boolean> {
    return false;
  }

  problem(): undefined {
    return undefined;
  }

  async close(): Promise<void> {}

  private lineOf(tenant: string): TenantLine {
    let line = this.lines.get(tenant);
    if (!line) {
      line = new TenantLine();
      this.lines.set(tenant, line);
    }
    return line;
  }
}
