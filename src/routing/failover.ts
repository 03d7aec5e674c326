import { setTimeout as sleep } from "node:timers/promises";
import { formatModelRef } from "../catalog/model-ref.js";
import { GatewayError } from "../errors/gateway-error.js";
import { endedEarly } from "../providers/chat-events.js";
import type { Telemetry } from "../telemetry/events.js";
import { AttemptDeadline, type AttemptTimeouts } from "./attempt-deadline.js";
import type { CircuitBreakers } from "./breaker/circuit-breakers.js";
import type { AcquireMode, BreakerOutcomeOf } from "./breaker/breaker-store.js";
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
type BreakerKeys = ReturnType<typeof breakerKeys>;
/** The order a candidate's breakers are taken in. */
const BREAKER_KINDS = ["provider", "model"] as const;

/** A candidate's breakers let it through; `probing`: the keys whose half-open probe slot this request holds. */
interface Permit {
  probing: Array<keyof BreakerKeys>;
}

/** A candidate its breakers refused. */
interface Refusal {
  candidate: RouteCandidate;
  key: string;
  /** When the breaker lets a probe through (undefined: half-open, its probe slots taken), or the backoff ends. */
  retryAfterMs: number | undefined;
  /** The upstream asked to wait (a 429 with retry-after), rather than the breaker being open. */
  backingOff: boolean;
}

/** How one candidate's attempts ended: it answered, or failover moves on with this error. */
type CandidateOutcome<Event> = { opened: OpenedAttempt<Event> } | { failedOver: unknown };

/**
 * Tries the plan's candidates in order until one answers: retryable failures (connection refused or reset,
 * timeouts, 429, 5xx, overloaded) are retried per the retry policy, then the next candidate takes over; client
 * errors end it at once. Candidates behind an open breaker, or backing off after an upstream's 429, are skipped
 * while others remain; when every candidate was skipped, the one whose breaker opened first is tried all the same
 * (see lastResort). An attempt has answered once its first event is in, so a stream fails over only before
 * anything reached the client.
 */
export function openWithFailover<Event>(
  plan: RoutePlan,
  open: OpenAttempt<Event>,
  requestId: string,
  clientSignal: AbortSignal,
  deps: FailoverDeps,
): Promise<OpenedAttempt<Event>> {
  return new FailoverRun(plan, open, requestId, clientSignal, deps).run();
}

class FailoverRun<Event> {
  private readonly started = performance.now();
  private attempts = 0;

  constructor(
    private readonly plan: RoutePlan,
    private readonly openAttempt: OpenAttempt<Event>,
    private readonly requestId: string,
    private readonly clientSignal: AbortSignal,
    private readonly deps: FailoverDeps,
  ) {}

  async run(): Promise<OpenedAttempt<Event>> {
    let lastError: unknown;
    const refused: Refusal[] = [];
    for (const [index, candidate] of this.plan.candidates.entries()) {
      const permit = await this.acquire(candidate, "normal");
      if ("key" in permit) {
        refused.push(permit);
        this.announceFailover(index, `${permit.backingOff ? "backing off" : "circuit open"} for ${permit.key}`);
        continue;
      }
      const outcome = await this.tryCandidate(candidate, permit);
      if ("opened" in outcome) return outcome.opened;
      lastError = outcome.failedOver;
      this.announceFailover(index, describe(lastError));
    }
    if (lastError !== undefined) throw lastError;
    return this.lastResort(refused);
  }

  /**
   * Every candidate was refused by its breakers. Answering 503 would turn what the breakers saw into an outage
   * with the upstream perhaps healthy again and nowhere else to go (Envoy's panic threshold and LiteLLM's
   * cooldown rules avoid the same): the candidate whose breaker opened first is tried, as a probe ahead of its
   * cooldown. Only an upstream's own request to wait is kept: when every candidate is backing off, the client
   * gets that 429 with the time left.
   */
  private async lastResort(refused: readonly Refusal[]): Promise<OpenedAttempt<Event>> {
    const open = refused.filter((r) => !r.backingOff);
    const first = open.reduce<Refusal | undefined>(
      (best, r) => (best === undefined || (r.retryAfterMs ?? 0) < (best.retryAfterMs ?? 0) ? r : best),
      undefined,
    );
    if (first === undefined) throw rateLimited(refused);
    const permit = await this.acquire(first.candidate, "last_resort");
    if ("key" in permit) throw rateLimited([permit]);
    const outcome = await this.tryCandidate(first.candidate, permit);
    if ("opened" in outcome) return outcome.opened;
    throw outcome.failedOver;
  }

  /** The provider's breaker, then the model's; a refusal by the model's gives the provider's probe slot back. */
  private async acquire(candidate: RouteCandidate, mode: AcquireMode): Promise<Permit | Refusal> {
    const keys = breakerKeys(candidate);
    const permits = await this.deps.breakers.acquireInOrder([keys.provider, keys.model], mode);
    const probing = BREAKER_KINDS.filter((_, i) => permits[i]?.allowed && permits[i]?.state === "half_open");
    const refusedAt = permits.findIndex((permit) => !permit.allowed);
    const refusal = permits[refusedAt];
    const refusedKind = BREAKER_KINDS[refusedAt];
    if (refusal === undefined || refusedKind === undefined) return { probing };
    await this.release(keys, probing);
    return {
      candidate,
      key: keys[refusedKind],
      retryAfterMs: refusal.retryAfterMs,
      backingOff: refusal.backingOff === true,
    };
  }

  /** The candidate's attempts, retried per the retry policy; throws when the error must reach the client as is. */
  private async tryCandidate(candidate: RouteCandidate, permit: Permit): Promise<CandidateOutcome<Event>> {
    const { deps, clientSignal } = this;
    const keys = breakerKeys(candidate);
    for (let tryNumber = 1; ; tryNumber++) {
      this.attempts++;
      const deadline = new AttemptDeadline(
        clientSignal,
        candidate.provider.name,
        deps.timeouts(candidate.provider.name),
      );
      const attemptStarted = performance.now();
      const report = {
        requestId: this.requestId,
        provider: candidate.provider.name,
        model: candidate.model,
        attempt: tryNumber,
      };
      try {
        const events = this.openAttempt(candidate, deadline.signal)[Symbol.asyncIterator]();
        const first = await events.next();
        if (first.done) throw endedEarly(candidate.provider.name);
        deadline.firstByteReceived();
        await deps.breakers.record(BREAKER_KINDS.map((kind) => ({ key: keys[kind], outcome: "success" })));
        deps.telemetry.emit("upstream.attempt", {
          ...report,
          outcome: "success",
          durationMs: performance.now() - attemptStarted,
        });
        const opened = openedAttempt(
          candidate,
          this.attempts,
          performance.now() - this.started,
          first.value,
          events,
          deadline,
        );
        return { opened };
      } catch (error) {
        deadline.dispose();
        if (clientSignal.aborted) {
          await this.release(keys, permit.probing);
          throw clientSignal.reason;
        }
        const traits = error instanceof GatewayError ? error.traits : undefined;
        await this.recordFailure(keys, permit, error);
        deps.telemetry.emit("upstream.attempt", {
          ...report,
          outcome: "failure",
          status: traits?.status,
          durationMs: performance.now() - attemptStarted,
          retryable: traits?.retryable === true,
        });
        const step = nextStep({
          attempt: tryNumber,
          elapsedMs: performance.now() - this.started,
          error,
          settings: deps.retry(),
        });
        if (step.action === "fail") throw error;
        if (step.action === "failover") return { failedOver: error };
        deps.telemetry.emit("routing.retry", {
          ...report,
          attempt: tryNumber + 1,
          delayMs: step.delayMs,
          reason: describe(error),
        });
        await sleep(step.delayMs, undefined, { signal: clientSignal }).catch(() => {
          throw clientSignal.reason;
        });
      }
    }
  }

  /**
   * What a failed attempt tells the breakers (the error table decides): an upstream fault counts against its
   * scope; a 429 with retry-after backs the model off; anything else (the client's mistake, the gateway's own
   * failure) counts against nothing, and only gives back the probe slots the request holds.
   */
  private async recordFailure(keys: BreakerKeys, permit: Permit, error: unknown): Promise<void> {
    const { breakers } = this.deps;
    const traits = error instanceof GatewayError ? error.traits : undefined;
    const fails = { provider: traits?.breaker === "provider", model: traits?.breaker != null };
    const retryAfterMs = error instanceof GatewayError ? error.retryAfterMs : undefined;
    const outcomes = BREAKER_KINDS.flatMap((kind): BreakerOutcomeOf[] =>
      fails[kind]
        ? [{ key: keys[kind], outcome: "failure" }]
        : permit.probing.includes(kind)
          ? [{ key: keys[kind], outcome: "neutral" }]
          : [],
    );
    await Promise.all([
      breakers.record(outcomes),
      traits?.backsOff && retryAfterMs !== undefined ? breakers.backOff(keys.model, retryAfterMs) : undefined,
    ]);
  }

  private async release(keys: BreakerKeys, probing: Permit["probing"]): Promise<void> {
    await this.deps.breakers.record(probing.map((kind) => ({ key: keys[kind], outcome: "neutral" })));
  }

  private announceFailover(index: number, reason: string): void {
    const from = this.plan.candidates[index];
    const to = this.plan.candidates[index + 1];
    if (!from || !to) return;
    this.deps.telemetry.emit("routing.failover", {
      requestId: this.requestId,
      fromProvider: from.provider.name,
      fromModel: from.model,
      toProvider: to.provider.name,
      toModel: to.model,
      reason,
    });
  }
}

/** Every candidate left is backing off at its upstream's request: that 429, with the soonest end. */
function rateLimited(refusals: readonly Refusal[]): GatewayError {
  const soonest = refusals.reduce((a, b) => ((b.retryAfterMs ?? 0) < (a.retryAfterMs ?? 0) ? b : a));
  const names = refusals.map((r) => formatModelRef(r.candidate.provider.name, r.candidate.model)).join(", ");
  const seconds = Math.max(1, Math.ceil((soonest.retryAfterMs ?? 0) / 1000));
  return new GatewayError(
    "upstream_rate_limited",
    `The provider rate-limited ${names} and asked to wait; retry in ${seconds} s.`,
    { retryAfterMs: soonest.retryAfterMs },
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
  /** Boxed: an event may be any value, so "no first event" cannot be told by the value. */
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

function describe(error: unknown): string {
  return error instanceof GatewayError ? `${error.status} ${error.code}` : "upstream failure";
}
