import type { components } from "../../generated/openapi.js";
import type { Lease } from "../limits/types.js";
import type { ChatRequest, EmbeddingRequest, MessagesPayload } from "../providers/types.js";
import type { WebhookSender } from "../webhooks/webhook-sender.js";

export type JobStatus = components["schemas"]["JobStatus"];

/** The operation a job runs (chat, messages, embeddings). */
export type JobOperation = components["schemas"]["JobOperation"];

/** The body of GET /v1/jobs/{id} and of the webhook (the spec's Job). */
export type JobBody = components["schemas"]["Job"];

/** What a job that succeeded holds: its operation's plain answer, as the spec defines it. */
export type JobOutput = NonNullable<JobBody["result"]>;

/**
 * A request as a queued job stores it, by operation; never streamed. (Chat jobs queued before jobs of other
 * operations existed have no `operation`.)
 */
export type QueuedRequest =
  | { operation?: "chat"; request: ChatRequest }
  | { operation: "messages"; request: MessagesPayload }
  | { operation: "embeddings"; request: EmbeddingRequest };

/** Why a job failed or expired, in the error shape's fields. */
export type JobError = NonNullable<JobBody["error"]>;

/**
 * A job as the API shows it (times in unix seconds), with `result` and `error` null until there is one, plus the
 * two fields only the gateway sees.
 */
export type JobRecord = Omit<JobBody, "result" | "error"> & {
  result: NonNullable<JobBody["result"]> | null;
  error: JobError | null;
  tenant: string;
  callback_url: string | null;
};

/** A request to queue: who asks, and its operation's request (stored without its stream flags: see queuedRequest). */
export type EnqueueInput = EnqueueOptions & QueuedRequest;

export interface EnqueueOptions {
  tenant: string;
  requestId: string;
  /** Already checked with validateCallbackUrl; absent: the tenant's default, if any, gets the webhook. */
  callbackUrl?: string;
  /** The tenant's concurrency limit, for the wait estimate. Default 1. */
  maxConcurrency?: number;
  /** Queued jobs the tenant may have (its max_queue_depth); beyond them enqueue throws QueueFullError. */
  maxDepth: number;
}

export interface Enqueued {
  id: string;
  /** 1-based place among the tenant's queued jobs (1: next to run). */
  position: number;
  estimatedWaitSeconds: number;
}

/** What a worker hands the runner; never the client's credentials. */
export type JobPayload = { tenant: string; requestId: string } & QueuedRequest;

/** What running a job gave: the answer, and the tokens it used (to reconcile the slot's reservation). */
export interface JobResult {
  output: JobOutput;
  usedTokens: number | undefined;
}

/** Supplied by the gateway: the tenants' slots and the pipeline. */
export interface JobRunner {
  /** A free slot of the job's tenant, reserved for this job's request, or undefined when it has none. */
  takeSlot(job: JobPayload): Promise<Lease | undefined>;
  /** Runs the request; throws a GatewayError on failure. */
  run(job: JobPayload, signal: AbortSignal): Promise<JobResult>;
  /** How many of the tenant's jobs one process works on at once: normally its maxConcurrency. */
  concurrency(tenant: string): number;
}

export interface TenantWebhook {
  /** Standard Webhooks secret ("whsec_…"). Without one no webhook is sent. */
  secret?: string;
  /** Used when the request had no callback_url. */
  defaultUrl?: string;
}

export interface WorkerSetup {
  runner: JobRunner;
  /** The tenants the gateway knows; tenants seen in the queue (by any replica) get workers too. */
  tenants: () => string[];
  webhooks?: {
    sender: WebhookSender;
    forTenant(tenant: string): TenantWebhook | undefined;
  };
}

export type CancelOutcome = "cancelled" | "not_found" | "not_cancellable";

export interface QueueStats {
  /** Queued jobs, all tenants (for Redis: all replicas). */
  waiting: number;
  /** Jobs this process is running now (holding a slot). */
  running: number;
  /** Worker loops in this process: per tenant with jobs, its concurrency. */
  workers: number;
  /** Whether this process runs jobs (its workers were started and it is not closing). */
  serving: boolean;
  /** Why enqueueing fails now (its last attempt failed), if it does. */
  problem?: string;
}

export interface OverflowQueue {
  readonly kind: "memory" | "redis";
  /** Throws QueueFullError when the tenant already has maxDepth jobs queued. */
  enqueue(input: EnqueueInput): Promise<Enqueued>;
  /** undefined when the job does not exist (any more) or belongs to another tenant. */
  get(id: string, tenant: string): Promise<JobRecord | undefined>;
  /** Only a queued job can be cancelled; another tenant's job is "not_found". */
  cancel(id: string, tenant: string): Promise<CancelOutcome>;
  /** Queued jobs of the tenant, or of all tenants. */
  depth(tenant?: string): Promise<number>;
  stats(): Promise<QueueStats>;
  /**
   * How long a request of the tenant held its slot (a live answer or a job's run): a sample of the moving average
   * that the wait estimates read (with Redis: shared by the replicas).
   */
  recordServiceTime(tenant: string, ms: number): Promise<void>;
  /** The moving average of the tenant's service times; a fixed seed before the first sample. */
  meanServiceMs(tenant: string): Promise<number>;
  startWorkers(setup: WorkerSetup): void;
  /**
   * Stops taking jobs; running jobs get closeGraceMs to finish, the rest (and jobs waiting for a slot) are left
   * for another worker. Does not close the StateBackend's connection.
   */
  close(): Promise<void>;
}
