import type { components } from "../../generated/openapi.js";
import { GatewayError } from "../errors.js";
import { ClientAbortedError } from "../providers/upstream-error.js";
import type { ChatRequest, CompletionChunk } from "../providers/types.js";
import type { AttemptTimers } from "../routing/attempt-timers.js";
import { serveWithFailover, type FailoverDeps } from "../routing/failover.js";
import type { RoutePlan, Router } from "../routing/router.js";
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

export interface CompletedChat {
  completion: ChatCompletion;
  routing: Routing;
}

export interface OpenedStream {
  routing: Routing;
  /** The first chunk, already received: a stream is only answered 200 once the upstream has produced something. */
  first: ChatCompletionChunk | undefined;
  rest: AsyncIterator<ChatCompletionChunk>;
  /** The answer's total tokens as the provider reported them, once the stream has ended. */
  usage(): number | undefined;
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
  ) {}

  async complete(request: ChatRequest, context: ChatCallContext): Promise<CompletedChat> {
    const plan = await this.plan(request, context.tenant);
    this.announce(plan.policy, plan.candidates, context.requestId);
    const served = await serveWithFailover(plan, context.requestId, context.signal, this.failover, ({ candidate, signal }) =>
      candidate.provider.complete({ request, model: candidate.model, signal }),
    );
    served.timers.dispose();
    const routing = { provider: served.candidate.provider.name, model: served.candidate.model, policy: plan.policy, attempts: served.attempts };
    return { routing, completion: Object.assign(served.value, metadata(routing, context)) };
  }

  async openStream(request: ChatRequest, context: ChatCallContext): Promise<OpenedStream> {
    const plan = await this.plan(request, context.tenant);
    this.announce(plan.policy, plan.candidates, context.requestId);
    const includeUsage = request.stream_options?.include_usage === true;
    const served = await serveWithFailover(plan, context.requestId, context.signal, this.failover, async ({ candidate, signal }) => {
      const chunks = candidate.provider.stream({ request, model: candidate.model, signal })[Symbol.asyncIterator]();
      const first = await chunks.next();
      if (first.done) throw endedEarly(candidate.provider.name);
      return { first: first.value, chunks };
    });
    const routing = { provider: served.candidate.provider.name, model: served.candidate.model, policy: plan.policy, attempts: served.attempts };
    const meta = metadata(routing, context);
    const usage: { total?: number } = { total: served.value.first.usage?.total_tokens };
    const first = decorate(served.value.first, meta, includeUsage);
    return { routing, first, rest: rest(served.value.chunks, served.value.first, served.timers, meta, includeUsage, routing.provider, usage), usage: () => usage.total };
  }

  /** The router's plan, less the candidates the tenant may not use. */
  private async plan(request: ChatRequest, tenant: Tenant): Promise<RoutePlan> {
    const plan = await this.router.plan(request);
    const candidates = plan.candidates.filter((c) => allowsModel(tenant, c.provider.name, c.model));
    if (candidates.length === 0) {
      const names = plan.candidates.map((c) => `${c.provider.name}/${c.model}`).join(", ");
      throw new GatewayError({ status: 403, type: "permission_error", code: "model_not_allowed", param: "model", message: `Tenant '${tenant.id}' may not use ${names}.` });
    }
    return { ...plan, candidates };
  }

  private announce(policy: string, candidates: ReadonlyArray<{ provider: { name: string }; model: string }>, requestId: string): void {
    const first = candidates[0];
    if (first) this.telemetry.emit("routing.decision", { requestId, policy, provider: first.provider.name, model: first.model, candidates: candidates.length });
  }
}

function metadata(routing: Routing, context: ChatCallContext): RunestoneMetadata {
  return { provider: routing.provider, routing_policy: routing.policy, request_id: context.requestId };
}

function endedEarly(provider: string): GatewayError {
  return new GatewayError({ status: 502, type: "service_error", code: "upstream_error", message: `Provider '${provider}' ended the stream before the answer was complete.` });
}

/** Adds the metadata; unless the client asked for usage, drops the usage chunk (undefined) and the usage field. */
function decorate(chunk: CompletionChunk, meta: RunestoneMetadata, includeUsage: boolean): ChatCompletionChunk | undefined {
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
  usage: { total?: number },
): AsyncGenerator<ChatCompletionChunk> {
  let finished = first.choices.some((choice) => choice.finish_reason);
  try {
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      if (next.value.choices.some((choice) => choice.finish_reason)) finished = true;
      if (next.value.usage) usage.total = next.value.usage.total_tokens;
      const decorated = decorate(next.value, meta, includeUsage);
      if (decorated) yield decorated;
    }
  } catch (err) {
    if (err instanceof ClientAbortedError && timers.timeoutError) throw timers.timeoutError;
    throw err;
  } finally {
    timers.dispose();
    await chunks.return?.(undefined);
  }
  if (!finished) throw endedEarly(provider);
}
