import { EXPIRED_ERROR } from "./job-errors.js";
import type { StoredJob } from "./job-store.js";
import type { JobBody, JobRecord } from "./types.js";

function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * The record as the API shows it. A job still queued past its deadline reads as expired at its deadline, even
 * before a worker gets to it and makes it so (that worker also sends the webhook).
 */
export function toJobRecord(job: StoredJob, now: number): JobRecord {
  const expired = job.status === "queued" && now >= job.deadlineAt;
  const finishedAt = expired ? job.deadlineAt : job.finishedAt;
  return {
    id: job.id,
    tenant: job.tenant,
    operation: job.operation,
    status: expired ? "expired" : job.status,
    request_id: job.requestId,
    created_at: unixSeconds(job.createdAt),
    started_at: job.startedAt === null ? null : unixSeconds(job.startedAt),
    finished_at: finishedAt === null ? null : unixSeconds(finishedAt),
    result: job.result,
    error: expired ? { ...EXPIRED_ERROR } : job.error,
    callback_url: job.callbackUrl,
  };
}

/** What GET /v1/jobs/{id} answers and the webhook carries: `result` and `error` only when there is one. */
export function toJobBody(record: JobRecord): JobBody {
  const { tenant: _tenant, callback_url: _callbackUrl, result, error, ...body } = record;
  return { ...body, ...(result ? { result } : {}), ...(error ? { error } : {}) };
}
