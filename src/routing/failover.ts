import { setTimeout as sleep } from "node:timers/promises";
import { formatModelRef } from "../catalog/model-ref.js";
import { GatewayError } from "../errors/gateway-error.js";
import { endedEarly } from "../providers/chat-events.js";
import type { Telemetry } from "../telemetry/events.js";
import { AttemptDeadline, type AttemptTimeouts } from "./attempt-deadline.js";
import type { CircuitBreakers } from "./breaker/circuit-breakers.js";
import { nextStep } from "./retry-policy.js";
import type { RetrySettings } from "./retry-settings.js";
import type { RouteCandidate, RoutePlan } from "./route-plan.js";

export interface FailoverDeps {
  breakers: CircuitBreakers;
  telemetry: Telemetry;
  retry(): RetrySettings;
  timeouts(provider: string): AttemptTimeouts;
}

/** One attempt on a candidate: the upstream call of the request's operation, aborted by `signal`. */
export type OpenAttempt<Event> = (candidate: RouteCandidate, signal: AbortSignal) => AsyncIterable<Event>;

/** The attempt that answered: its first event is in, the rest follows. */
export interface OpenedAttempt<Event> {
  candidate: RouteCandidate;
  /** Upstream attempts made, retries and failovers included. */
  attempts: number;
  /**
   * The answer's events, the first included. The attempt's deadlines run until they end (or the consumer stops
   * early); iterate once.
   */
  events: AsyncIterable<Event>;
  /** Time spent waiting for upstreams so far: every attempt up to the first event, then each wait for the next. */
  upstreamMs(): number;
}

const breakerKeys = (c: RouteCandidate) => ({ provider: c.provider.name, model: `${c.provider.name}:${c.model}` });

/**
 * Tries the plan's candidates in order until one answers: retryable failures (connection refused or reset,
 * timeouts, 429, 5xx, overloaded) are retried per the retry policy, then the next candidate takes over; client
 * errors end it at once. Candidates behind an open breaker are skipped; when every candidate was skipped that way
 * the answer is 503 with Retry-After. An attempt has answered once its first event is in, so a stream fails over
 * only before anything reached the client.
 */
export async function openWithFailover<Event>(
  plan: RoutePlan,
  open: OpenAttempt<Event>,
  requestId: string,
  clientSignal: AbortSignal,
  deps: FailoverDeps,
): Promise<OpenedAttempt<Event>> {
  const started = performance.now();
  let attempts = 0;
  let lastError: unknown;
  let soonestReopenMs: number | undefined;
  for (const [index, candidate] of plan.candidates.entries()) {
    const keys = breakerKeys(candidate);
    const refusal = await refusedByBreaker(deps.breakers, keys);
    if (refusal) {
      soonestReopenMs = Math.min(
        soonestReopenMs ?? Number.POSITIVE_INFINITY,
        refusal.retryAfterMs ?? Number.POSITIVE_INFINITY,
      );
      announceFailover(deps.telemetry, requestId, plan, index, `circuit open for ${refusal.key}`);
      continue;
    }
    for (let tryNumber = 1; ; tryNumber++) {
      attempts++;
      const deadline = new AttemptDeadline(
        clientSignal,
        candidate.provider.name,
        deps.timeouts(candidate.provider.name),
      );
      const attemptStarted = performance.now();
      const report = { requestId, provider: candidate.provider.name, model: candidate.model, attempt: tryNumber };
      try {
        const events = open(candidate, deadline.signal)[Symbol.asyncIterator]();
        const first = await events.next();
        if (first.done) throw endedEarly(candidate.provider.name);
        deadline.firstByteReceived();
        await Promise.all([deps.breakers.recordSuccess(keys.provider), deps.breakers.recordSuccess(keys.model)]);
        deps.telemetry.emit("upstream.attempt", {
          ...report,
          outcome: "success",
          durationMs: performance.now() - attemptStarted,
        });
        return openedAttempt(candidate, attempts, performance.now() - started, first.value, events, deadline);
      } catch (error) {
        deadline.dispose();
        if (clientSignal.aborted) throw clientSignal.reason;
        const traits = error instanceof GatewayError ? error.traits : undefined;
        if (traits?.breaker) {
          await Promise.all([
            traits.breaker === "provider" ? deps.breakers.recordFailure(keys.provider) : undefined,
            deps.breakers.recordFailure(keys.model),
          ]);
        }
        deps.telemetry.emit("upstream.attempt", {
          ...report,
          outcome: "failure",
          status: traits?.status,
          durationMs: performance.now() - attemptStarted,
          retryable: traits?.retryable === true,
        });
        lastError = error;
        const step = nextStep({
          attempt: tryNumber,
          elapsedMs: performance.now() - started,
          error,
          settings: deps.retry(),
        });
        if (step.action === "fail") throw error;
        if (step.action === "retry") {
          deps.telemetry.emit("routing.retry", {
            ...report,
            attempt: tryNumber + 1,
            delayMs: step.delayMs,
            reason: describe(error),
          });
          await sleep(step.delayMs, undefined, { signal: clientSignal }).catch(() => {
            throw clientSignal.reason;
          });
          continue;
        }
        announceFailover(deps.telemetry, requestId, plan, index, describe(error));
        break;
      }
    }
  }
  if (lastError !== undefined) throw lastError;
  const names = plan.candidates.map((c) => formatModelRef(c.provider.name, c.model)).join(", ");
  throw new GatewayError(
    "all_providers_unavailable",
    `Every candidate for this request is behind an open circuit breaker (${names}); try again later.`,
    { retryAfterMs: Number.isFinite(soonestReopenMs) ? Math.max(1000, soonestReopenMs ?? 0) : undefined },
  );
}

function openedAttempt<Event>(
  candidate: RouteCandidate,
  attempts: number,
  waitedMs: number,
  first: Event,
  rest: AsyncIterator<Event>,
  deadline: AttemptDeadline,
): OpenedAttempt<Event> {
  const events = new AttemptEvents(first, rest, deadline, waitedMs);
  return { candidate, attempts, events, upstreamMs: () => events.upstreamMs };
}

/**
 * The attempt's events from the first on. Its deadlines are disposed, and the upstream call ended, when they end
 * or when the consumer stops (`return()`, which `for await` calls on break or throw), even before the first read.
 */
class AttemptEvents<Event> implements AsyncIterableIterator<Event> {
  private first: { event: Event } | undefined;
  private done = false;

  constructor(
    first: Event,
    private readonly rest: AsyncIterator<Event>,
    private readonly deadline: AttemptDeadline,
    public upstreamMs: number,
  ) {
    this.first = { event: first };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Event>> {
    if (this.first) {
      const { event } = this.first;
      this.first = undefined;
      return { value: event, done: false };
    }
    if (this.done) return { value: undefined, done: true };
    const waitStarted = performance.now();
    try {
      const next = await this.rest.next();
      this.upstreamMs += performance.now() - waitStarted;
      if (next.done) this.finish();
      return next;
    } catch (err) {
      this.upstreamMs += performance.now() - waitStarted;
      this.finish();
      throw err;
    }
  }

  async return(): Promise<IteratorResult<Event>> {
    if (!this.done) {
      this.finish();
      await this.rest.return?.(undefined);
    }
    return { value: undefined, done: true };
  }

  private finish(): void {
    this.done = true;
    this.first = undefined;
    this.deadline.dispose();
  }
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
  return error instanceof GatewayError ? `${error.status} ${error.code}` : "upstream failure";
}
