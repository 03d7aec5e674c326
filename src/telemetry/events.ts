import { EventEmitter } from "node:events";

/**
 * Internal telemetry: domain modules emit what happened; metrics and logs subscribe. Emitting costs one
 * function call per listener, so it is cheap on the hot path when nobody listens.
 */
export interface TelemetryEvents {
  /** A routing decision: which model(s) a request may go to, under which policy. */
  "routing.decision": { requestId: string; policy: string; provider: string; model: string; candidates: number };
  /** One upstream attempt ended (success or failure). */
  "upstream.attempt": {
    requestId: string;
    provider: string;
    model: string;
    attempt: number;
    outcome: "success" | "failure";
    status?: number;
    durationMs: number;
    retryable?: boolean;
  };
  /** The request moved on to another candidate after a failure. */
  "routing.failover": {
    requestId: string;
    fromProvider: string;
    fromModel: string;
    toProvider: string;
    toModel: string;
    reason: string;
  };
  /** A retry of the same candidate is scheduled. */
  "routing.retry": {
    requestId: string;
    provider: string;
    model: string;
    attempt: number;
    delayMs: number;
    reason: string;
  };
  /** A circuit breaker changed state. */
  "breaker.transition": { key: string; from: BreakerState; to: BreakerState; reason: string };
  /** A client request's admission: served now, queued, or refused. */
  "limits.check": { tenant: string; result: "allowed" | "queued" | "rejected"; reason?: string };
  /** A client request took (+1) or gave back (-1) one of its tenant's slots in this process. */
  "limits.slot": { tenant: string; delta: 1 | -1 };
  /** A request over its tenant's limit started (+1) or stopped (-1) waiting on its connection for a slot. */
  "limits.waiting": { tenant: string; delta: 1 | -1 };
  /** How a request's wait for a slot ended, and how long it waited. */
  "limits.wait": { tenant: string; outcome: SlotWaitOutcome; waitMs: number };
  /** The tokens an answer used and what they cost, for requests and queued jobs alike, of every operation. */
  "answer.usage": {
    requestId: string;
    tenant: string;
    /** chat, messages or embeddings. */
    operation: string;
    provider: string;
    model: string;
    promptTokens: number;
    completionTokens: number;
    costUsd: number;
    estimated: boolean;
  };
  /** A request ended (any operation, any status): what the request log and the request metrics are made of. */
  "request.end": RequestSummary;
  /** A step in the life of an overflow job. waitMs: since it was queued; durationMs: of the attempt that ended. */
  "queue.job": {
    jobId: string;
    tenant: string;
    outcome: QueueJobOutcome;
    attempt?: number;
    waitMs?: number;
    durationMs?: number;
    reason?: string;
  };
  /** The queue's connection or worker machinery failed, outside any one job. */
  "queue.error": { tenant: string; message: string };
  /** One webhook delivery attempt ended ("refused": the URL or secret was not acceptable, nothing was sent). */
  "webhook.delivery": {
    messageId: string;
    host: string;
    attempt: number;
    outcome: "delivered" | "retrying" | "failed" | "refused";
    status?: number;
    durationMs: number;
    reason?: string;
  };
}

export type QueueJobOutcome =
  | "queued"
  | "rejected"
  | "started"
  | "retrying"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "expired"
  /** Picked up again after its worker died (bee-queue stall detection) or shut down. */
  | "recovered"
  /** Left unfinished by a worker that is shutting down, for another worker to take. */
  | "handed_back"
  /** The worker itself failed (e.g. Redis unreachable); with Redis, the job is put back in the queue. */
  | "errored";

/** admitted: got a slot; timed_out: none within max_wait_ms (429); abandoned: the client left; failed: the limiter. */
export type SlotWaitOutcome = "admitted" | "timed_out" | "abandoned" | "failed";

export type BreakerState = "closed" | "open" | "half_open";

export interface RequestSummary {
  requestId: string;
  /** The spec's operationId, or "unknown" for unmatched paths. */
  operation: string;
  method: string;
  status: number;
  durationMs: number;
  tenant?: string;
  provider?: string;
  model?: string;
  routingPolicy?: string;
  attempts?: number;
  /** Time the gateway spent waiting for upstreams (attempts, retry backoff and, for streams, the wait for chunks). */
  upstreamMs?: number;
  timeToFirstTokenMs?: number;
  stream?: boolean;
  promptTokens?: number;
  completionTokens?: number;
  costUsd?: number;
  /** queued: 202 and a job; waited: answered after waiting for a slot; rejected: 429 (at once, or after the wait). */
  overflow?: "queued" | "waited" | "rejected";
  jobId?: string;
  errorCode?: string;
  /** What caused the error (an SDK or socket error, a bug's exception), for the log; never shown to clients. */
  errorCause?: unknown;
  /** The client went away before its answer was complete. */
  clientClosed?: boolean;
}

export type TelemetryEventName = keyof TelemetryEvents;

export class Telemetry {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  emit<K extends TelemetryEventName>(name: K, event: TelemetryEvents[K]): void {
    if (this.emitter.listenerCount(name) > 0) this.emitter.emit(name, event);
  }

  on<K extends TelemetryEventName>(name: K, listener: (event: TelemetryEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
