import type { components } from "../../generated/openapi.js";
import type { Provider, UpstreamCall } from "../providers/types.js";
import type { QueuedRequest } from "../queue/types.js";
import type { RouteRequest } from "../routing/route-request.js";
import type { Answer } from "./answer.js";

/** chat, messages or embeddings: what a request asks for, as a queued job names it. */
export type OperationName = components["schemas"]["JobOperation"];

/** Runestone's metadata of an answer: who served it, under which policy, for which request. */
export type RunestoneMetadata = components["schemas"]["RunestoneMetadata"];

/** Tokens an answer used. */
export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
}

/** What an answer's accounting learns from its events, one at a time. */
export interface EventMeter<Event> {
  observe(event: Event): void;
  /** The upstream's counts, once it reported them (the latest report wins). */
  readonly reported: TokenCounts | undefined;
  /** Characters of answer seen, for an estimate when the upstream reports no usage. */
  readonly answerChars: number;
  /** Whether the events held the whole answer (an answer that stops before was cut short). */
  readonly complete: boolean;
}

/**
 * What one operation (chat, messages, embeddings) brings to the one pipeline: how routing and admission see its
 * request, the upstream call on a candidate, what its events tell the accounting, how the client gets them, and
 * its plain answer (the body of a non-streamed answer, and a queued job's result). Everything else (admission,
 * queueing, plan, failover, usage, budgets, telemetry) is the pipeline's, the same for all.
 *
 * Request: the request as the pipeline carries it (and a queued job stores it); Event: what the provider yields;
 * Out: the events as the client gets them; Plain: a whole answer.
 */
export interface Operation<Request, Event, Out, Plain> {
  readonly name: OperationName;
  /** What routing, admission and budgets read of the request. */
  route(request: Request): RouteRequest;
  /** Runestone's `callback_url`: where a queued job's end is posted. */
  callbackUrl(request: Request): string | undefined;
  /** The request as a queued job stores it and runs it: nobody is on the line for a stream. */
  job(request: Request): QueuedRequest;
  /** One upstream call on a candidate (`model` and `signal` are the attempt's). */
  call(provider: Provider, call: UpstreamCall<Request>): AsyncIterable<Event>;
  /** A new meter for one answer's events. */
  meter(): EventMeter<Event>;
  /** An event as the client gets it (chat adds Runestone's metadata; the others keep the upstream's shape). */
  present(event: Event, metadata: RunestoneMetadata): Out;
  /** The whole answer, read from its events: a non-streamed answer's body, a queued job's result. */
  collect(answer: Answer<Event, Out>): Promise<Plain>;
}
