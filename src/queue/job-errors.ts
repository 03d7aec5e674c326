import { GatewayError } from "../errors.js";
import type { JobError } from "./types.js";

/** Thrown by enqueue when the tenant's queue is at its depth bound; the caller answers 429. */
export class QueueFullError extends GatewayError {
  constructor(
    readonly tenant: string,
    readonly maxDepth: number,
  ) {
    super({
      status: 429,
      type: "rate_limit_error",
      code: "queue_full",
      message: `Rate limit reached and the overflow queue of this tenant is full (${maxDepth} requests waiting). Retry later.`,
    });
    this.name = "QueueFullError";
  }
}

export const EXPIRED_ERROR: Readonly<JobError> = Object.freeze({
  message: "The request waited in the queue longer than the maximum wait time and was not run.",
  type: "rate_limit_error",
  code: "job_expired",
  param: null,
});

export function attemptTimeoutError(timeoutMs: number): GatewayError {
  return new GatewayError({
    status: 504,
    type: "service_error",
    code: "job_timeout",
    message: `The queued request did not complete within ${timeoutMs} ms.`,
  });
}

export function attemptsExhaustedError(attempts: number): JobError {
  return {
    message: `The queued request was started ${attempts} times without completing (its worker stopped each time).`,
    type: "service_error",
    code: "job_attempts_exhausted",
    param: null,
  };
}

/** A GatewayError keeps its OpenAI error shape; anything else is a bug of ours and is not detailed to the client. */
export function toJobError(err: unknown): JobError {
  if (err instanceof GatewayError) return err.toBody().error;
  return {
    message: "The gateway failed while running the queued request.",
    type: "service_error",
    code: "internal_error",
    param: null,
  };
}
