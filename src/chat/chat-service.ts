import type { components } from "../../generated/openapi.js";
import { GatewayError } from "../errors.js";
import { ClientAbortedError } from "../providers/upstream-error.js";
import type { ChatRequest, CompletionChunk } from "../providers/types.js";
import type { AttemptTimers } from "../routing/attempt-timers.js";
import { serveWithFailover, type FailoverDeps } from "../routing/failover.js";
import type { RouteCandidate, RoutePlan, Router } from "../routing/router.js";
import { estimatePromptTokens, requestedMaxTokens } from "../routing/token-estimate.js";
import type { BudgetGuard } from "../usage/budget-guard.js";
import { costUsd } from "../usage/cost.js";
import { allowsModel, type Tenant } from "../tenants/tenant-directory.js";
import type { Telemetry } from "../telemetry/events.js";

export type ChatCompletion = components["schemas"]["ChatCompletion"];
export type ChatCompletionChunk = components["schemas"]["ChatCompletionChunk"];

export interface ChatCallContext {
  requestId: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** The tenant the request is made for (its allowed models apply). */
  tenant: Tenant;
}

/** What was decided: who served, and after how many upstream attempts. */
export interface Routing {
  provider: string;
  model: string;
  policy: string;
  attempts: number;
}

/** What an answer used: from the provider's usage, or estimated when it reported none. */
export interface AnswerUsage {
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  estimated: boolean;
}

export interface CompletedChat {
  completion: ChatCompletion;
  routing: Routing;
  usage: AnswerUsage;
  /** Time spent waiting for upstreams (attempts, backoff, failovers). */
  upstreamMs: number;
}

export interface OpenedStream {
  routing: Routing;
  /** The first chunk, already received: a stream is only answered 200 once the upstream has produced something. */
  first: ChatCompletionChunk | undefined;
  rest: AsyncIterator<ChatCompletionChunk>;
  /** Once the stream has ended: what it used, and the time spent waiting for the upstream. */
  outcome(): { usage: AnswerUsage | undefined; upstreamMs: number };
}

interface RunestoneMetadata {
  provider: string;
  routing_policy: string;
  request_id: string;
}

/** Chat requests, plain and streamed: the router plans, failover serves, and Runestone's metadata is added. */
export class ChatService {
  constructor(
    private readonly router: Router,
    private readonly failover: FailoverDeps,
    private readonly telemetry: Telemetry,
    private readonly budgets: BudgetGuard,
    private readonly defaultMaxTokens: () => number,
  ) {}

  async complete(request: ChatRequest, context: ChatCallContext): Promise<CompletedChat> {
    const plan = await this.plan(request, context.tenant);
    this.announce(plan.policy, plan.candidates, context.requestId);
    const served = await serveWithFailover(
      plan,
      context.requestId,
      context.signal,
      this.failover,
      ({ candidate, signal }) => candidate.provider.complete({ request, model: candidate.model, signal }),
    );
    served.timers.dispose();
    const routing = {
      provider: served.candidate.provider.name,
      model: served.candidate.model,
      policy: plan.policy,
      attempts: served.attempts,
    };
    const reported = served.value.usage;
    const usage = this.account(
      context,
      served.candidate,
      reported
        ? { prompt: reported.prompt_tokens, completion: reported.completion_tokens }
        : estimateUsage(
            request,
            served.value.choices.reduce((n, c) => n + (c.message.content?.length ?? 0), 0),
          ),
    );
    return {
      routing,
      usage,
      upstreamMs: served.elapsedMs,
      completion: Object.assign(served.value, metadata(routing, context)),
    };
  }

  /** Prices the answer's tokens and reports them (metrics, logs, the tenant's usage counters subscribe). */
  private account(
    context: ChatCallContext,
    candidate: RouteCandidate,
    tokens: { prompt: number; completion: number; estimated?: boolean },
  ): AnswerUsage {
    const usage = {
      promptTokens: tokens.prompt,
      completionTokens: tokens.completion,
      costUsd: costUsd(candidate.entry, tokens.prompt, tokens.completion),
      estimated: tokens.estimated ?? false,
    };
    this.telemetry.emit("chat.usage", {
      requestId: context.requestId,
      tenant: context.tenant.id,
      provider: candidate.provider.name,
      model: candidate.model,
      ...usage,
    });
    return usage;
  }

  async openStream(request: ChatRequest, context: ChatCallContext): Promise<OpenedStream> {
    const plan = await this.plan(request, context.tenant);
    this.announce(plan.policy, plan.candidates, context.requestId);
    const includeUsage = request.stream_options?.include_usage === true;
    const served = await serveWithFailover(
      plan,
      context.requestId,
      context.signal,
      this.failover,
      async ({ candidate, signal }) => {
        const chunks = candidate.provider.stream({ request, model: candidate.model, signal })[Symbol.asyncIterator]();
        const first = await chunks.next();
        if (first.done) throw endedEarly(candidate.provider.name);
        return { first: first.value, chunks };
      },
    );
    const routing = {
      provider: served.candidate.provider.name,
      model: served.candidate.model,
      policy: plan.policy,
      attempts: served.attempts,
    };
    const meta = metadata(routing, context);
    const progress: StreamProgress = {
      chars: charsOf(served.value.first),
      reported: served.value.first.usage ?? undefined,
      waitedMs: served.elapsedMs,
      ended: false,
    };
    let usage: AnswerUsage | undefined;
    const settle = () => {
      if (usage || !progress.ended) return;
      const { reported } = progress;
      usage = this.account(
        context,
        served.candidate,
        reported
          ? { prompt: reported.prompt_tokens, completion: reported.completion_tokens }
          : estimateUsage(request, progress.chars),
      );
    };
    const first = decorate(served.value.first, meta, includeUsage);
    return {
      routing,
      first,
      rest: rest(
        served.value.chunks,
        served.value.first,
        served.timers,
        meta,
        includeUsage,
        routing.provider,
        progress,
        settle,
      ),
      outcome: () => ({ usage, upstreamMs: progress.waitedMs }),
    };
  }

  /** The router's plan, less the candidates the tenant may not use. */
  private async plan(request: ChatRequest, tenant: Tenant): Promise<RoutePlan> {
    const plan = await this.router.plan(request);
    const candidates = plan.candidates.filter((c) => allowsModel(tenant, c.provider.name, c.model));
    if (candidates.length === 0) {
      const names = plan.candidates.map((c) => `${c.provider.name}/${c.model}`).join(", ");
      throw new GatewayError({
        status: 403,
        type: "permission_error",
        code: "model_not_allowed",
        param: "model",
        message: `Tenant '${tenant.id}' may not use ${names}.`,
      });
    }
    const first = candidates[0] as RouteCandidate;
    await this.budgets.check(
      tenant,
      costUsd(first.entry, estimatePromptTokens(request), requestedMaxTokens(request) ?? this.defaultMaxTokens()),
    );
    return { ...plan, candidates };
  }

  private announce(
    policy: string,
    candidates: ReadonlyArray<{ provider: { name: string }; model: string }>,
    requestId: string,
  ): void {
    const first = candidates[0];
    if (first)
      this.telemetry.emit("routing.decision", {
        requestId,
        policy,
        provider: first.provider.name,
        model: first.model,
        candidates: candidates.length,
      });
  }
}

function metadata(routing: Routing, context: ChatCallContext): RunestoneMetadata {
  return { provider: routing.provider, routing_policy: routing.policy, request_id: context.requestId };
}

function endedEarly(provider: string): GatewayError {
  return new GatewayError({
    status: 502,
    type: "service_error",
    code: "upstream_error",
    message: `Provider '${provider}' ended the stream before the answer was complete.`,
  });
}

/** Adds the metadata; unless the client asked for usage, drops the usage chunk (undefined) and the usage field. */
function decorate(
  chunk: CompletionChunk,
  meta: RunestoneMetadata,
  includeUsage: boolean,
): ChatCompletionChunk | undefined {
  if (!includeUsage) {
    if (chunk.choices.length === 0 && chunk.usage) return undefined;
    delete chunk.usage;
  }
  return Object.assign(chunk, meta);
}

/**
 * The chunks after the first. A stream that ends before any choice finished is an upstream failure, never a
 * quietly short answer; a deadline that passes mid-stream is a timeout, not a client that left.
 */
async function* rest(
  chunks: AsyncIterator<CompletionChunk>,
  first: CompletionChunk,
  timers: AttemptTimers,
  meta: RunestoneMetadata,
  includeUsage: boolean,
  provider: string,
  progress: StreamProgress,
  settle: () => void,
): AsyncGenerator<ChatCompletionChunk> {
  let finished = first.choices.some((choice) => choice.finish_reason);
  const waitFor = async () => {
    const started = performance.now();
    const next = await chunks.next();
    progress.waitedMs += performance.now() - started;
    return next;
  };
  try {
    for (let next = await waitFor(); !next.done; next = await waitFor()) {
      if (next.value.choices.some((choice) => choice.finish_reason)) finished = true;
      if (next.value.usage) progress.reported = next.value.usage;
      progress.chars += charsOf(next.value);
      const decorated = decorate(next.value, meta, includeUsage);
      if (decorated) yield decorated;
    }
  } catch (err) {
    if (err instanceof ClientAbortedError && timers.timeoutError) throw timers.timeoutError;
    throw err;
  } finally {
    timers.dispose();
    progress.ended = true;
    settle();
    await chunks.return?.(undefined);
  }
  if (!finished) throw endedEarly(provider);
}

interface StreamProgress {
  /** Characters of the answer so far, to count its tokens when the provider reports no usage. */
  chars: number;
  reported: { prompt_tokens: number; completion_tokens: number } | undefined;
  waitedMs: number;
  ended: boolean;
}

function charsOf(chunk: CompletionChunk): number {
  let chars = 0;
  for (const choice of chunk.choices) {
    chars += choice.delta.content?.length ?? 0;
    for (const call of choice.delta.tool_calls ?? []) chars += call.function?.arguments?.length ?? 0;
  }
  return chars;
}

/** For upstreams that report no usage: the prompt estimate and about four characters per answer token. */
function estimateUsage(
  request: ChatRequest,
  answerChars: number,
): { prompt: number; completion: number; estimated: true } {
  return { prompt: estimatePromptTokens(request), completion: Math.ceil(answerChars / 4), estimated: true };
}
