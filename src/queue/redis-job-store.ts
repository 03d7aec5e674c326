import type { Redis } from "ioredis";
import type { QueueKeys } from "../state/redis-keys.js";
import { integerReply, unexpectedReply } from "../state/redis-script.js";
import type { JobEnding, JobStore, NewJob, StartOutcome, StoredJob } from "./job-store.js";
import {
  CANCEL_JOB,
  CREATE_JOB,
  FINISH_JOB,
  PRUNE_TENANTS,
  RECORD_SERVICE_TIME,
  START_JOB,
} from "./redis-job-scripts.js";
import { SEED_SERVICE_MS, SERVICE_TIME_WEIGHT } from "./wait-estimate.js";
import type { CancelOutcome, JobError, JobOperation, JobOutput, JobStatus } from "./types.js";

export interface RedisJobStoreOptions {
  keys: QueueKeys;
  /** TTL of a finished record, as configured now. */
  resultTtlMs: () => number;
  /** TTL of a record that may still run (see activeRecordTtlMs), as configured now. */
  activeTtlMs: () => number;
  /** Whether close() closes the connection (the store opened it). */
  closeConnection: boolean;
}

const JOB_STATUSES: readonly JobStatus[] = ["queued", "running", "succeeded", "failed", "cancelled", "expired"];
const JOB_OPERATIONS: readonly JobOperation[] = ["chat", "messages", "embeddings"];
const SERVICE_TIME_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Job records shared by every replica: one hash per job, a sorted set of queued ids per tenant. */
export class RedisJobStore implements JobStore {
  private readonly keys: QueueKeys;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisJobStoreOptions,
  ) {
    this.keys = options.keys;
  }

  async create(job: NewJob, maxDepth: number, now: number): Promise<number | "full"> {
    const fields = [
      ["tenant", job.tenant],
      ["status", "queued"],
      ["request_id", job.requestId],
      ["operation", job.operation],
      ["created_at", job.createdAt],
      ["deadline_at", job.deadlineAt],
      ["attempts", 0],
      ...(job.callbackUrl === null ? [] : [["callback_url", job.callbackUrl]]),
    ].flat();
    const ahead = integerReply(
      await CREATE_JOB.run(
        this.redis,
        [this.keys.job(job.id), this.keys.queued(job.tenant), this.keys.tenants],
        [job.id, now, maxDepth, this.options.activeTtlMs(), job.deadlineAt, job.tenant, ...fields],
      ),
    );
    return ahead < 0 ? "full" : ahead;
  }

  async discard(id: string, tenant: string): Promise<void> {
    await this.redis.multi().del(this.keys.job(id)).zrem(this.keys.queued(tenant), id).exec();
  }

  async get(id: string): Promise<StoredJob | undefined> {
    const hash = await this.redis.hgetall(this.keys.job(id));
    return parseStoredJob(id, hash);
  }

  async start(id: string, now: number): Promise<StartOutcome> {
    const tenant = await this.redis.hget(this.keys.job(id), "tenant");
    if (tenant === null) return { kind: "gone" };
    const reply = await START_JOB.run(
      this.redis,
      [this.keys.job(id), this.keys.queued(tenant)],
      [id, now, this.options.activeTtlMs()],
    );
    if (!Array.isArray(reply)) throw unexpectedReply(reply);
    const [kind, attempt] = reply as unknown[];
    if (kind === "started" && typeof attempt === "number") return { kind, attempt };
    if (kind === "expired" || kind === "gone") return { kind };
    throw unexpectedReply(reply);
  }

  async finish(id: string, ending: JobEnding, now: number): Promise<boolean> {
    const tenant = await this.redis.hget(this.keys.job(id), "tenant");
    if (tenant === null) return false;
    const required = ending.status === "expired" ? "queued" : "running";
    const result = ending.status === "succeeded" ? JSON.stringify(ending.result) : "";
    const error = ending.status === "succeeded" ? "" : JSON.stringify(ending.error);
    const reply = await FINISH_JOB.run(
      this.redis,
      [this.keys.job(id), this.keys.queued(tenant)],
      [id, now, this.options.resultTtlMs(), required, ending.status, result, error],
    );
    return reply === 1;
  }

  async cancel(id: string, tenant: string, now: number): Promise<CancelOutcome> {
    const reply = await CANCEL_JOB.run(
      this.redis,
      [this.keys.job(id), this.keys.queued(tenant)],
      [id, now, this.options.resultTtlMs(), tenant],
    );
    if (reply === "cancelled" || reply === "not_found" || reply === "not_cancellable") return reply;
    throw unexpectedReply(reply);
  }

  async depth(tenant: string | undefined, now: number): Promise<number> {
    const tenants = tenant === undefined ? await this.knownTenants() : [tenant];
    if (tenants.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const name of tenants) pipeline.zcount(this.keys.queued(name), `(${now}`, "+inf");
    const replies = (await pipeline.exec()) ?? [];
    return replies.reduce((sum, [err, count]) => {
      if (err) throw err;
      return sum + Number(count);
    }, 0);
  }

  async knownTenants(): Promise<string[]> {
    return this.redis.smembers(this.keys.tenants);
  }

  async tenantsWithWork(tenants: readonly string[], now: number): Promise<Set<string>> {
    if (tenants.length === 0) return new Set();
    const pipeline = this.redis.pipeline();
    for (const tenant of tenants) {
      pipeline.zcount(this.keys.queued(tenant), `(${now}`, "+inf");
      pipeline.llen(this.keys.bee.key(tenant, "waiting"));
      pipeline.llen(this.keys.bee.key(tenant, "active"));
    }
    const counts = ((await pipeline.exec()) ?? []).map(([err, count]) => {
      if (err) throw err;
      return Number(count);
    });
    return new Set(tenants.filter((_, n) => counts.slice(n * 3, n * 3 + 3).some((count) => count > 0)));
  }

  async pruneTenants(): Promise<void> {
    const tenants = await this.knownTenants();
    if (tenants.length === 0) return;
    const perTenant = tenants.flatMap((tenant) => [
      this.keys.queued(tenant),
      this.keys.bee.key(tenant, "waiting"),
      this.keys.bee.key(tenant, "active"),
    ]);
    await PRUNE_TENANTS.run(this.redis, [this.keys.tenants, ...perTenant], tenants);
  }

  async recordServiceTime(tenant: string, ms: number): Promise<void> {
    await RECORD_SERVICE_TIME.run(
      this.redis,
      [this.keys.serviceTime(tenant)],
      [ms, SERVICE_TIME_WEIGHT, SERVICE_TIME_TTL_MS],
    );
  }

  async meanServiceMs(tenant: string): Promise<number> {
    const mean = await this.redis.get(this.keys.serviceTime(tenant));
    return mean === null ? SEED_SERVICE_MS : Number(mean);
  }

  async close(): Promise<void> {
    if (this.options.closeConnection) await this.redis.quit().catch(() => {});
  }
}

function parseStoredJob(id: string, hash: Record<string, string>): StoredJob | undefined {
  const { tenant, status, request_id: requestId, created_at: createdAt, deadline_at: deadlineAt } = hash;
  if (tenant === undefined || requestId === undefined || createdAt === undefined || deadlineAt === undefined)
    return undefined;
  if (!isJobStatus(status)) return undefined;
  return {
    id,
    tenant,
    requestId,
    // Records written before jobs of other operations existed are chat jobs.
    operation: isJobOperation(hash.operation) ? hash.operation : "chat",
    status,
    createdAt: Number(createdAt),
    startedAt: optionalNumber(hash.started_at),
    finishedAt: optionalNumber(hash.finished_at),
    deadlineAt: Number(deadlineAt),
    attempts: Number(hash.attempts ?? 0),
    result: hash.result === undefined ? null : (JSON.parse(hash.result) as JobOutput),
    error: hash.error === undefined ? null : (JSON.parse(hash.error) as JobError),
    callbackUrl: hash.callback_url ?? null,
  };
}

function isJobStatus(value: string | undefined): value is JobStatus {
  return JOB_STATUSES.some((status) => status === value);
}

function isJobOperation(value: string | undefined): value is JobOperation {
  return JOB_OPERATIONS.some((operation) => operation === value);
}

function optionalNumber(value: string | undefined): number | null {
  return value === undefined ? null : Number(value);
}
