import type { Slot } from "../admission/slots.js";
import type { CatalogEntry } from "../catalog/catalog-entry.js";
import { endedEarly } from "../providers/chat-events.js";
import type { OpenedAttempt } from "../routing/failover.js";
import type { Telemetry } from "../telemetry/events.js";
import { costUsd } from "../usage/cost.js";
import type { EventMeter, Operation, OperationName, RunestoneMetadata } from "./operation.js";

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

/** What an answer needs of its operation: its meter and how the client gets the events. */
export type AnswerOperation<Event, Out> = Pick<Operation<unknown, Event, Out, unknown>, "name" | "meter" | "present">;

export interface AnswerContext<Event, Out> {
  operation: AnswerOperation<Event, Out>;
  /** The prompt's estimated tokens, counted when the provider reports no usage. */
  promptTokens: number;
  requestId: string;
  tenant: string;
  policy: string;
  telemetry: Telemetry;
  /** The tenant's slot this answer holds (live requests): given back with the tokens used once the answer ends. */
  slot?: Slot;
}

/**
 * One answer on its way to the client, whatever its operation: the attempt's events as the client gets them, and
 * their accounting. When the events end (complete, failed or abandoned) the tokens are counted once — the
 * provider's usage, else an estimate (the prompt estimate and four characters per answer token) — reported as
 * "answer.usage", and the slot is given back. Iterate `events` once; `close()` ends an answer that will not be
 * read to its end.
 */
export class Answer<Event, Out> {
  readonly routing: Routing;
  readonly events: AsyncIterable<Out>;
  private readonly metadata: RunestoneMetadata;
  private readonly meter: EventMeter<Event>;
  private accounted: AnswerUsage | undefined;
  private settled: Promise<void> | undefined;

  constructor(
    private readonly attempt: OpenedAttempt<Event>,
    private readonly context: AnswerContext<Event, Out>,
  ) {
    const { candidate } = attempt;
    this.routing = {
      provider: candidate.provider.name,
      model: candidate.model,
      policy: context.policy,
      attempts: attempt.attempts,
    };
    this.metadata = { provider: this.routing.provider, routing_policy: context.policy, request_id: context.requestId };
    this.meter = context.operation.meter();
    this.events = this.transform();
  }

  get operation(): OperationName {
    return this.context.operation.name;
  }

  get requestId(): string {
    return this.context.requestId;
  }

  /** The tokens the answer used, once its events have ended (undefined before, or when nothing was answered). */
  get usage(): AnswerUsage | undefined {
    return this.accounted;
  }

  /** Time spent waiting for the upstream (attempts, backoff, failovers, then each chunk). */
  get upstreamMs(): number {
    return this.attempt.upstreamMs();
  }

  /** Ends the answer where it stands: the upstream call is stopped, the tokens so far counted, the slot given back. */
  async close(): Promise<void> {
    await this.attempt.events[Symbol.asyncIterator]().return?.();
    await this.settle();
  }

  private async *transform(): AsyncGenerator<Out> {
    try {
      for await (const event of this.attempt.events) {
        this.meter.observe(event);
        yield this.context.operation.present(event, this.metadata);
      }
      if (!this.meter.complete) throw endedEarly(this.routing.provider);
    } finally {
      await this.settle();
    }
  }

  private settle(): Promise<void> {
    this.settled ??= this.account();
    return this.settled;
  }

  /** Prices the answer's tokens and reports them (metrics, logs, the tenant's usage counters subscribe). */
  private async account(): Promise<void> {
    const { operation, promptTokens, requestId, tenant, telemetry, slot } = this.context;
    const { reported, answerChars } = this.meter;
    const prompt = reported?.promptTokens ?? promptTokens;
    const completion = reported?.completionTokens ?? Math.ceil(answerChars / 4);
    const entry: CatalogEntry | undefined = this.attempt.candidate.entry;
    const usage = {
      promptTokens: prompt,
      completionTokens: completion,
      costUsd: costUsd(entry, prompt, completion),
      estimated: !reported,
    };
    this.accounted = usage;
    telemetry.emit("answer.usage", {
      requestId,
      tenant,
      operation: operation.name,
      provider: this.routing.provider,
      model: this.routing.model,
      ...usage,
    });
    await slot?.release(prompt + completion);
  }
}
