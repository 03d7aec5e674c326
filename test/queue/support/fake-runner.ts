import { setTimeout as sleep } from "node:timers/promises";
import { MemoryLimiter } from "../../../src/limits/memory-limiter.js";
import type { Lease, Limiter } from "../../../src/limits/types.js";
import type { JobOutput, JobPayload, JobResult, JobRunner } from "../../../src/queue/types.js";
import { DEFAULTS } from "../../support/config-defaults.js";
import { completionFor } from "./completion.js";

export interface RunRecord {
  requestId: string;
  tenant: string;
  /** The request's stream flag as the runner received it. */
  stream: boolean | null | undefined;
  startedAt: number;
  finishedAt?: number;
}

export interface FakeRunnerOptions {
  /** Every tenant's concurrency limit. Default 1. */
  maxConcurrency?: number;
  /** What a run does; default: wait runMs, then answer. Receives the 1-based run number of that request. */
  behaviour?: (job: JobPayload, run: number, signal: AbortSignal) => Promise<JobOutput>;
  runMs?: number;
  /** Share one limiter between runners (two "replicas"). */
  limiter?: Limiter;
}

/** A JobRunner over a real MemoryLimiter, recording every run. */
export class FakeRunner implements JobRunner {
  readonly limiter: Limiter;
  readonly runs: RunRecord[] = [];
  private readonly maxConcurrency: number;
  private readonly behaviour: NonNullable<FakeRunnerOptions["behaviour"]>;

  constructor(options: FakeRunnerOptions = {}) {
    this.limiter = options.limiter ?? new MemoryLimiter(() => DEFAULTS.lease);
    this.maxConcurrency = options.maxConcurrency ?? 1;
    const runMs = options.runMs ?? 5;
    this.behaviour =
      options.behaviour ??
      (async (job) => {
        await sleep(runMs);
        return completionFor(job.requestId);
      });
  }

  takeSlot(job: JobPayload): Promise<Lease | undefined> {
    return this.hold(job.tenant);
  }

  /** A slot of the tenant, as a worker (or a test standing in for a live request) takes one. */
  async hold(tenant: string): Promise<Lease | undefined> {
    const admission = await this.limiter.admit({
      tenant,
      limits: { maxConcurrency: this.maxConcurrency },
      estimatedTokens: 0,
    });
    return admission.admitted ? admission.lease : undefined;
  }

  async run(job: JobPayload, signal: AbortSignal): Promise<JobResult> {
    const record: RunRecord = {
      requestId: job.requestId,
      tenant: job.tenant,
      stream:
        job.operation === "messages"
          ? job.request.body.stream
          : job.operation === "embeddings"
            ? undefined
            : job.request.stream,
      startedAt: Date.now(),
    };
    this.runs.push(record);
    const run = this.runs.filter((r) => r.requestId === job.requestId).length;
    try {
      return { output: await this.behaviour(job, run, signal), usedTokens: undefined };
    } finally {
      record.finishedAt = Date.now();
    }
  }

  concurrency(): number {
    return this.maxConcurrency;
  }

  runsOf(requestId: string): RunRecord[] {
    return this.runs.filter((r) => r.requestId === requestId);
  }
}
