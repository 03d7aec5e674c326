import { setTimeout as sleep } from "node:timers/promises";
import { GatewayError } from "../errors.js";
import { ClientAbortedError, isClientAbort } from "../providers/upstream-error.js";
import type { Telemetry } from "../telemetry/events.js";
import { AttemptTimers } from "./attempt-timers.js";
import type { CircuitBreakers } from "./breaker/circuit-breakers.js";
import { faultScope } from "./fault-scope.js";
import { nextStep, type RetrySettings } from "./retry-policy.js";
import type { RouteCandidate, RoutePlan } from "./router.js";

export interface AttemptTimeouts {
  firstByteMs: number;
  totalMs: number;
}

export interface FailoverDeps {
  breakers: CircuitBreakers;
  telemetry: Telemetry;
  retry: RetrySettings;
  timeouts(provider: string): AttemptTimeouts;
}

export interface Attempt {
  candidate: RouteCandidate;
  /** Aborted when the client leaves or a deadline of this attempt passes. */
  signal: AbortSignal;
}

export interface Served<T> {
  value: T;
  candidate: RouteCandidate;
  /** Upstream attempts made, retries and failovers included. */
  attempts: number;
  /** The attempt's deadlines, still running for a stream: dispose them when the answer ends. */
  timers: AttemptTimers;
  /** From the first attempt to the first byte of the answer: retries, backoff and failovers included. */
  elapsedMs: number;
}

const breakerKeys = (c: RouteCandidate) => ({ provider: c.provider.name, model: `${c.provider.name}:${c.model}` });

/**
 * Runs `attempt` on the plan's candidates in order until one serves: retryable failures (connection refused or
 * reset, timeouts, 429, 5xx, overloaded) are retried per the retry policy, then the next candidate takes over;
 * client errors are returned at once. Candidates behind an open breaker are skipped; when every candidate was
 * skipped that way the answer is 503 with Retry-After. `attempt` resolves once the first byte of the answer is
 * in hand, so a stream fails over only before anything reached the client.
 */
export async function serveWithFailover<T>(
  plan: RoutePlan,
  requestId: string,
  clientSignal: AbortSignal,
  deps: FailoverDeps,
  attempt: (a: Attempt) => Promise<T>,
): Promise<Served<T>> {
  const started = performance.now();
  let attempts = 0;
  let lastError: unknown;
  let soonestReopenMs: number | undefined;
  for (const [index, candidate] of plan.candidates.entries()) {
    const keys = breakerKeys(candidate);
    const refusal = await refusedByBreaker(deps.breakers, keys);
    if (refusal) {
      soonestReopenMs = Math.min(soonestReopenMs ?? Infinity, refusal.retryAfterMs ?? Infinity);
      announceFailover(deps.telemetry, requestId, plan, index, `circuit open for ${refusal.key}`);
      continue;
    }
    for (let tryNumber = 1; ; tryNumber++) {
      attempts++;
      const { firstByteMs, totalMs } = deps.timeouts(candidate.provider.name);
      const timers = new AttemptTimers(clientSignal, candidate.provider.name, firstByteMs, totalMs);
      const attemptStarted = performance.now();
      try {
        const value = await attempt({ candidate, signal: timers.signal });
        timers.firstByteReceived();
        await Promise.all([deps.breakers.recordSuccess(keys.provider), deps.breakers.recordSuccess(keys.model)]);
        deps.telemetry.emit("upstream.attempt", {
          requestId,
          provider: candidate.provider.name,
          model: candidate.model,
          attempt: tryNumber,
          outcome: "success",
          durationMs: performance.now() - attemptStarted,
        });
        return { value, candidate, attempts, timers, elapsedMs: performance.now() - started };
      } catch (thrown) {
        timers.dispose();
        const error = timers.timeoutError ?? thrown;
        if (clientSignal.aborted || isClientAbort(error)) throw new ClientAbortedError();
        const scope = faultScope(error);
        if (scope !== undefined)
          await Promise.all([
            scope === "provider" ? deps.breakers.recordFailure(keys.provider) : undefined,
            deps.breakers.recordFailure(keys.model),
          ]);
        const status = error instanceof GatewayError ? error.status : undefined;
        deps.telemetry.emit("upstream.attempt", {
          requestId,
          provider: candidate.provider.name,
          model: candidate.model,
          attempt: tryNumber,
          outcome: "failure",
          status,
          durationMs: performance.now() - attemptStarted,
          retryable: scope !== undefined,
        });
        lastError = error;
        const step = nextStep({
          attempt: tryNumber,
          elapsedMs: performance.now() - started,
          error,
          settings: deps.retry,
        });
        if (step.action === "fail") throw error;
        if (step.action === "retry") {
          deps.telemetry.emit("routing.retry", {
            requestId,
            provider: candidate.provider.name,
            model: candidate.model,
            attempt: tryNumber + 1,
            delayMs: step.delayMs,
            reason: describe(error),
          });
          await sleep(step.delayMs, undefined, { signal: clientSignal }).catch(() => {
            throw new ClientAbortedError();
          });
          continue;
        }
        announceFailover(deps.telemetry, requestId, plan, index, describe(error));
        break;
      }
    }
  }
  if (lastError !== undefined) throw lastError;
  throw new GatewayError({
    status: 503,
    type: "service_error",
    code: "all_providers_unavailable",
    message: `Every candidate for this request is behind an open circuit breaker (${plan.candidates.map((c) => `${c.provider.name}/${c.model}`).join(", ")}); try again later.`,
    retryAfter:
      soonestReopenMs !== undefined && Number.isFinite(soonestReopenMs)
        ? String(Math.max(1, Math.ceil(soonestReopenMs / 1000)))
        : undefined,
  });
}

async function refusedByBreaker(
  breakers: CircuitBreakers,
  keys: { provider: string; model: string },
): Promise<{ key: string; retryAfterMs?: number } | undefined> {
  for (const key of [keys.provider, keys.model]) {
    const permit = await breakers.acquire(key);
    if (!permit.allowed) return { key, retryAfterMs: permit.retryAfterMs };
  }
  return undefined;
}

function announceFailover(
  telemetry: Telemetry,
  requestId: string,
  plan: RoutePlan,
  index: number,
  reason: string,
): void {
  const from = plan.candidates[index];
  const to = plan.candidates[index + 1];
  if (!from || !to) return;
  telemetry.emit("routing.failover", {
    requestId,
    fromProvider: from.provider.name,
    fromModel: from.model,
    toProvider: to.provider.name,
    toModel: to.model,
    reason,
  });
}

function describe(error: unknown): string {
  return error instanceof GatewayError ? `${error.status} ${error.code ?? error.type}` : "upstream failure";
}
