import type { ProcessOutcome } from "./job-processor.js";
import type { JobPayload } from "./types.js";

export type JobHandler = (id: string, payload: JobPayload) => Promise<ProcessOutcome>;

/** How jobs travel from enqueue to a worker: per tenant, first in first out. */
export interface JobTransport {
  readonly kind: "memory" | "redis";
  push(id: string, payload: JobPayload): Promise<void>;
  /** Drops a cancelled job, whether waiting or taken by a worker that has not started it. */
  remove(id: string, tenant: string): Promise<void>;
  /**
   * Starts `concurrency` workers on the tenant's jobs in this process; they stop taking jobs when `draining` aborts.
   */
  serve(tenant: string, concurrency: number, handle: JobHandler, draining: AbortSignal): void;
  /**
   * Stops serving the tenant and frees what that holds (connections), unless one of its jobs is being handled in
   * this process; true when done (then serve() may be called again).
   */
  release(tenant: string): Promise<boolean>;
  /** Why the transport is failing now (its last operation failed), if it is. */
  problem(): string | undefined;
  /** Called once no handler is running any more: stops the workers; jobs handed back go to the front of their queue. */
  close(): Promise<void>;
}
