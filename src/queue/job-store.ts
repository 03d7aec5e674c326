import type { CancelOutcome, JobError, JobOperation, JobOutput, JobStatus } from "./types.js";

/** A job record as stored; times in ms. */
export interface StoredJob {
  id: string;
  tenant: string;
  requestId: string;
  operation: JobOperation;
  status: JobStatus;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Still queued at this time: expired. */
  deadlineAt: number;
  /** Attempts started so far, re-runs after a worker died included. */
  attempts: number;
  result: JobOutput | null;
  error: JobError | null;
  callbackUrl: string | null;
}

export type NewJob = Pick<
  StoredJob,
  "id" | "tenant" | "requestId" | "operation" | "createdAt" | "deadlineAt" | "callbackUrl"
>;

export type StartOutcome =
  /** Now running; attempt is 1-based and counts every start of this job. */
  | { kind: "started"; attempt: number }
  /** Still queued, but past its deadline: the caller expires it. */
  | { kind: "expired" }
  /** Finished, cancelled or deleted: nothing to do. */
  | { kind: "gone" };

/** How a job ends. succeeded and failed end a running job; expired ends a queued one. */
export type JobEnding = { status: "succeeded"; result: JobOutput } | { status: "failed" | "expired"; error: JobError };

/**
 * Job records and the per-tenant index of queued jobs. Every status change is conditional (queued → running →
 * finished; queued → cancelled or expired) and atomic, so two workers, or a worker and a cancel, can race
 * and exactly one wins.
 */
export interface JobStore {
  /** Stores a queued job unless the tenant already has maxDepth queued; returns how many are ahead of it. */
  create(job: NewJob, maxDepth: number, now: number): Promise<number | "full">;
  /** Undoes create (the job could not be handed to the transport). */
  discard(id: string, tenant: string): Promise<void>;
  get(id: string): Promise<StoredJob | undefined>;
  /** queued → running (attempt 1), or running → running (a retry, or a re-run after a worker died). */
  start(id: string, now: number): Promise<StartOutcome>;
  /** false when the job was not in the state this ending requires (someone else ended it first). */
  finish(id: string, ending: JobEnding, now: number): Promise<boolean>;
  cancel(id: string, tenant: string, now: number): Promise<CancelOutcome>;
  depth(tenant: string | undefined, now: number): Promise<number>;
  /** Tenants with a queued job (all replicas, for Redis). */
  knownTenants(): Promise<string[]>;
  /**
   * Those of `tenants` that have jobs queued, waiting or taken by a worker (in memory: all of them, as serving a
   * tenant there costs nothing).
   */
  tenantsWithWork(tenants: readonly string[], now: number): Promise<Set<string>>;
  /** Forgets the tenants that have no job queued, waiting or taken any more. */
  pruneTenants(): Promise<void>;
  recordServiceTime(tenant: string, ms: number): Promise<void>;
  meanServiceMs(tenant: string): Promise<number>;
  close(): Promise<void>;
}

export function isFinished(status: JobStatus): boolean {
  return status !== "queued" && status !== "running";
}
