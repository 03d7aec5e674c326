import type { AdmissionGate, AdmissionInput } from "../admission/admission-gate.js";
import type { Slot } from "../admission/slots.js";
import { formatModelRef } from "../catalog/model-ref.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { LimitSnapshot } from "../limits/types.js";
import { endedEarly } from "../providers/chat-events.js";
import type { Enqueued } from "../queue/types.js";
import { openWithFailover, type FailoverDeps } from "../routing/failover.js";
import type { RouteCandidate, RoutePlan } from "../routing/route-plan.js";
import { completionTokensOf, reservedTokensOf, type RouteRequest } from "../routing/route-request.js";
import type { Router } from "../routing/router.js";
import type { Telemetry } from "../telemetry/events.js";
import { allowsModel, type Tenant } from "../tenants/tenant-directory.js";
import type { BudgetGuard } from "../usage/budget-guard.js";
import { costUsd } from "../usage/cost.js";
import { Answer, type Routing } from "./answer.js";
import type { Operation } from "./operation.js";

export interface PipelineInput<Request> {
  tenant: Tenant;
  request: Request;
  requestId: string;
  stream: boolean;
  /** What the client's headers say about overflow (`x-runestone-overflow`, `Prefer`). */
  overflow: AdmissionInput["overflow"];
  /** Aborted, with a ClientAbortedError, when the client goes away. */
  signal: AbortSignal;
}

/** Where admission left a request: queued as a job, or holding a slot and ready to be answered. */
export type Admission<Event, Out> =
  | { kind: "queued"; job: Enqueued; limits: LimitSnapshot }
  | {
      kind: "admitted";
      limits: LimitSnapshot;
      /** The request waited on its connection for its slot. */
      waited: boolean;
      /** The rest of the pipeline; the answer holds the tenant's slot until its events end. */
      answer(): Promise<Answer<Event, Out>>;
    };

/** A queued job's request, run by a worker that already holds a slot of its tenant. */
export interface PipelineJob<Request> {
  tenant: Tenant;
  request: Request;
  requestId: string;
  signal: AbortSignal;
}

/** A call that answers at once, such as a token count: what it gave, and who gave it. */
export interface ProbeResult<Value> {
  value: Value;
  routing: Routing;
}

export interface PipelineDeps {
  admission: AdmissionGate;
  router: Router;
  failover: FailoverDeps;
  budgets: BudgetGuard;
  telemetry: Telemetry;
  /** Completion tokens assumed for a request that names no max tokens (slots, budget estimates). */
  defaultMaxTokens: () => number;
}

/**
 * Every request, whatever its operation (chat, messages, embeddings), from arrival to its answer's events: admit (a
 * slot of its tenant, possibly after waiting for one, else the overflow queue), then answer: plan (the router's
 * candidates the tenant may use, within its budget) → failover (the first candidate that answers) → the answer (the
 * provider's events as the client gets them, with their accounting). The operation says how to route its request,
 * how to call a provider and how to read the events; encoders write them out. Queued jobs take the same path from
 * plan on.
 */
export class Pipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async admit<Request, Event, Out, Plain>(
    operation: Operation<Request, Event, Out, Plain>,
    input: PipelineInput<Request>,
  ): Promise<Admission<Event, Out>> {
    const { tenant, request, requestId, overflow, signal } = input;
    const admitted = await this.deps.admission.admit({
      tenant,
      requestId,
      overflow,
      tokens: reservedTokensOf(operation.route(request), this.deps.defaultMaxTokens()),
      job: operation.job(request),
      callbackUrl: operation.callbackUrl(request),
      signal,
    });
    if (admitted.kind === "queued") return { kind: "queued", job: admitted.job, limits: admitted.snapshot };
    const { slot } = admitted;
    return {
      kind: "admitted",
      limits: admitted.snapshot,
      waited: admitted.waited,
      answer: async () => {
        try {
          return await this.answer(operation, input, slot);
        } catch (err) {
          await slot.release();
          throw err;
        }
      },
    };
  }

  /** A queued job's answer, plain; its worker holds (and gives back) the slot. */
  runJob<Request, Event, Out, Plain>(
    operation: Operation<Request, Event, Out, Plain>,
    job: PipelineJob<Request>,
  ): Promise<Answer<Event, Out>> {
    return this.answer(operation, { ...job, stream: false });
  }

  /**
   * A call that answers at once and is neither admitted nor accounted (a token count): planned for the tenant and
   * failed over as answers are, without a slot or a budget check.
   */
  async probe<Value>(
    route: RouteRequest,
    tenant: Tenant,
    requestId: string,
    signal: AbortSignal,
    call: (candidate: RouteCandidate, signal: AbortSignal) => Promise<Value>,
  ): Promise<ProbeResult<Value>> {
    const plan = await this.plan(route, tenant, { checkBudget: false });
    this.announce(plan, requestId);
    const attempt = await openWithFailover(plan, (c, s) => once(call(c, s)), requestId, signal, this.deps.failover);
    const { candidate, attempts } = attempt;
    // The one event is in (failover waited for it); reading on to the end lets the attempt go.
    let answered: { value: Value } | undefined;
    for await (const value of attempt.events) answered ??= { value };
    if (answered === undefined) throw endedEarly(candidate.provider.name);
    return {
      value: answered.value,
      routing: { provider: candidate.provider.name, model: candidate.model, policy: plan.policy, attempts },
    };
  }

  private async answer<Request, Event, Out, Plain>(
    operation: Operation<Request, Event, Out, Plain>,
    input: Omit<PipelineInput<Request>, "overflow">,
    slot?: Slot,
  ): Promise<Answer<Event, Out>> {
    const { tenant, request, requestId, stream, signal } = input;
    const route = operation.route(request);
    const plan = await this.plan(route, tenant, { checkBudget: true });
    this.announce(plan, requestId);
    const attempt = await openWithFailover(
      plan,
      (candidate, attemptSignal) =>
        operation.call(candidate.provider, { request, model: candidate.model, stream, signal: attemptSignal }),
      requestId,
      signal,
      this.deps.failover,
    );
    return new Answer(attempt, {
      operation,
      promptTokens: route.promptTokens,
      requestId,
      tenant: tenant.id,
      policy: plan.policy,
      telemetry: this.deps.telemetry,
      slot,
    });
  }

  /** The router's plan, less the candidates the tenant may not use; refused when it would exceed the budget. */
  private async plan(route: RouteRequest, tenant: Tenant, options: { checkBudget: boolean }): Promise<RoutePlan> {
    const plan = await this.deps.router.plan(route);
    const candidates = plan.candidates.filter((c) => allowsModel(tenant, c.provider.name, c.model));
    const first = candidates[0];
    if (first === undefined) {
      const names = plan.candidates.map((c) => formatModelRef(c.provider.name, c.model)).join(", ");
      throw new GatewayError("model_not_allowed", `Tenant '${tenant.id}' may not use ${names}.`, { param: "model" });
    }
    if (options.checkBudget) {
      const completionTokens = completionTokensOf(route, this.deps.defaultMaxTokens());
      await this.deps.budgets.check(tenant, costUsd(first.entry, route.promptTokens, completionTokens));
    }
    return { ...plan, candidates };
  }

  private announce({ policy, candidates }: RoutePlan, requestId: string): void {
    const first: RouteCandidate | undefined = candidates[0];
    if (first) {
      this.deps.telemetry.emit("routing.decision", {
        requestId,
        policy,
        provider: first.provider.name,
        model: first.model,
        candidates: candidates.length,
      });
    }
  }
}

/** A promise as a one-event stream, for failover to wait on. */
async function* once<Value>(value: Promise<Value>): AsyncGenerator<Value> {
  yield await value;
}
