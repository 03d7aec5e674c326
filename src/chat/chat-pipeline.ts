import type { AdmissionGate } from "../admission/admission-gate.js";
import type { Slot } from "../admission/slots.js";
import { formatModelRef } from "../catalog/model-ref.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { LimitSnapshot } from "../limits/types.js";
import type { ChatRequest } from "../providers/types.js";
import type { Enqueued } from "../queue/types.js";
import { openWithFailover, type FailoverDeps } from "../routing/failover.js";
import type { RouteCandidate, RoutePlan } from "../routing/route-plan.js";
import type { Router } from "../routing/router.js";
import { estimatePromptTokens, requestedMaxTokens } from "../routing/token-estimate.js";
import type { Telemetry } from "../telemetry/events.js";
import { allowsModel, type Tenant } from "../tenants/tenant-directory.js";
import type { BudgetGuard } from "../usage/budget-guard.js";
import { costUsd } from "../usage/cost.js";
import { ChatAnswer } from "./chat-answer.js";

export interface ChatInput {
  tenant: Tenant;
  request: ChatRequest;
  requestId: string;
  stream: boolean;
  /** The `x-runestone-overflow` header. */
  overflow: string | undefined;
  /** Aborted, with a ClientAbortedError, when the client goes away. */
  signal: AbortSignal;
}

/** Where admission left a request: queued as a job, or holding a slot and ready to be answered. */
export type ChatAdmission =
  | { kind: "queued"; job: Enqueued; limits: LimitSnapshot }
  | {
      kind: "admitted";
      limits: LimitSnapshot;
      /** The rest of the pipeline; the answer holds the tenant's slot until its events end. */
      answer(): Promise<ChatAnswer>;
    };

/** A queued job's request, run by a worker that already holds a slot of its tenant. */
export interface ChatJob {
  tenant: Tenant;
  request: ChatRequest;
  requestId: string;
  signal: AbortSignal;
}

export interface ChatPipelineDeps {
  admission: AdmissionGate;
  router: Router;
  failover: FailoverDeps;
  budgets: BudgetGuard;
  telemetry: Telemetry;
  /** Completion tokens assumed for a request that names no max tokens, for the budget estimate. */
  defaultMaxTokens: () => number;
}

/**
 * A chat request from arrival to its answer's events, in one line: admit (a slot, else the overflow queue), then
 * answer: plan
 * (the router's candidates the tenant may use, within its budget) → failover (the first candidate that answers) →
 * the answer (the provider's events with Runestone's metadata and accounting). Encoders write the events out.
 * Queued jobs take the same path from plan on.
 */
export class ChatPipeline {
  constructor(private readonly deps: ChatPipelineDeps) {}

  async admit(input: ChatInput): Promise<ChatAdmission> {
    const admitted = await this.deps.admission.admit(input);
    if (admitted.kind === "queued") return { kind: "queued", job: admitted.job, limits: admitted.snapshot };
    const { slot } = admitted;
    return {
      kind: "admitted",
      limits: admitted.snapshot,
      answer: async () => {
        try {
          return await this.answer(input, slot);
        } catch (err) {
          await slot.release();
          throw err;
        }
      },
    };
  }

  /** A queued job's answer, plain; its worker holds (and gives back) the slot. */
  runJob(job: ChatJob): Promise<ChatAnswer> {
    return this.answer({ ...job, stream: false });
  }

  private async answer(input: Omit<ChatInput, "overflow">, slot?: Slot): Promise<ChatAnswer> {
    const { tenant, request, requestId, stream, signal } = input;
    const plan = await this.plan(request, tenant);
    this.announce(plan, requestId);
    const attempt = await openWithFailover(plan, { request, stream }, requestId, signal, this.deps.failover);
    return new ChatAnswer(attempt, {
      request,
      requestId,
      tenant: tenant.id,
      policy: plan.policy,
      telemetry: this.deps.telemetry,
      slot,
    });
  }

  /** The router's plan, less the candidates the tenant may not use; refused when it would exceed the budget. */
  private async plan(request: ChatRequest, tenant: Tenant): Promise<RoutePlan> {
    const plan = await this.deps.router.plan(request);
    const candidates = plan.candidates.filter((c) => allowsModel(tenant, c.provider.name, c.model));
    const first = candidates[0];
    if (first === undefined) {
      const names = plan.candidates.map((c) => formatModelRef(c.provider.name, c.model)).join(", ");
      throw new GatewayError("model_not_allowed", `Tenant '${tenant.id}' may not use ${names}.`, { param: "model" });
    }
    const completionTokens = requestedMaxTokens(request) ?? this.deps.defaultMaxTokens();
    await this.deps.budgets.check(tenant, costUsd(first.entry, estimatePromptTokens(request), completionTokens));
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
