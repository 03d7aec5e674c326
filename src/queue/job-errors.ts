import { GatewayError } from "../errors/gateway-error.js";
import { ownFailure } from "../errors/own-failure.js";
import type { JobError } from "./types.js";

/** Thrown by enqueue when the tenant's queue is at its depth bound; the caller answers 429. */
export class QueueFullError extends GatewayError {
  constructor(
    readonly tenant: string,
    readonly maxDepth: number,
    retryAfterMs: number,
  ) {
    super(
      "queue_full",
      `Rate limit reached and the overflow queue of this tenant is full (${maxDepth} requests waiting). Retry later.`,
      { retryAfterMs },
    );
    this.name = "QueueFullError";
  }
}

export const EXPIRED_ERROR: Readonly<JobError> = Object.freeze(
  toJobError(
    new GatewayError(
      "job_expired",
      "The request waited in the queue longer than the maximum wait time and was not run.",
    ),
  ),
);

export function attemptTimeoutError(timeoutMs: number): GatewayError {
  return new GatewayError("job_timeout", `The queued request did not complete within ${timeoutMs} ms.`);
}

export function attemptsExhaustedError(attempts: number): JobError {
  return toJobError(
    new GatewayError(
      "job_attempts_exhausted",
      `The queued request was started ${attempts} times without completing (its worker stopped each time).`,
    ),
  );
}

/** A GatewayError keeps its OpenAI error shape; anything else is the gateway's own failure, not detailed. */
export function toJobError(err: unknown): JobError {
  return ownFailure(err, "The gateway failed while running the queued request.").toBody().error;
}
