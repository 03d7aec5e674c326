import type { components } from "../../generated/openapi.js";
import type { Slot } from "../admission/slots.js";
import type { CatalogEntry } from "../catalog/catalog-entry.js";
import { endedEarly } from "../providers/chat-events.js";
import type { ChatEvent, ChatRequest, FinishReason, Usage } from "../providers/types.js";
import type { OpenedAttempt } from "../routing/failover.js";
import { estimatePromptTokens } from "../routing/token-estimate.js";
import type { Telemetry } from "../telemetry/events.js";
import { costUsd } from "../usage/cost.js";

export type ChatCompletion = components["schemas"]["ChatCompletion"];
export type ChatCompletionChunk = components["schemas"]["ChatCompletionChunk"];
type RunestoneMetadata = components["schemas"]["RunestoneMetadata"];

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

/** The provider's events with Runestone's metadata on every completion and chunk. */
export type AnswerEvent =
  | { type: "completion"; completion: ChatCompletion }
  | { type: "delta"; chunk: ChatCompletionChunk }
  | { type: "usage"; usage: Usage }
  | { type: "end"; finishReason: FinishReason };

export interface AnswerContext {
  request: ChatRequest;
  requestId: string;
  tenant: string;
  policy: string;
  telemetry: Telemetry;
  /** The tenant's slot this answer holds (live requests): given back with the tokens used once the answer ends. */
  slot?: Slot;
}

/**
 * One answer on its way to the client: the attempt's events with Runestone's metadata added, and its accounting.
 * When the events end (complete, failed or abandoned) the tokens are counted once — the provider's usage, else an
 * estimate (the prompt estimate and four characters per answer token) — reported as "chat.usage", and the slot is
 * given back. Iterate `events` once; `close()` ends an answer that will not be read to its end.
 */
export class ChatAnswer {
  readonly routing: Routing;
  readonly events: AsyncIterable<AnswerEvent>;
  private readonly metadata: RunestoneMetadata;
  private reported: Usage | undefined;
  private answerChars = 0;
  private accounted: AnswerUsage | undefined;
  private settled: Promise<void> | undefined;

  constructor(
    private readonly attempt: OpenedAttempt,
    private readonly context: AnswerContext,
  ) {
    const { candidate } = attempt;
    this.routing = {
      provider: candidate.provider.name,
      model: candidate.model,
      policy: context.policy,
      attempts: attempt.attempts,
    };
    this.metadata = { provider: this.routing.provider, routing_policy: context.policy, request_id: context.requestId };
    this.events = this.transform();
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

  private async *transform(): AsyncGenerator<AnswerEvent> {
    let ended = false;
    try {
      for await (const event of this.attempt.events) {
        yield this.decorate(event);
        if (event.type === "end") ended = true;
      }
      if (!ended) throw endedEarly(this.routing.provider);
    } finally {
      await this.settle();
    }
  }

  private decorate(event: ChatEvent): AnswerEvent {
    switch (event.type) {
      case "completion": {
        for (const choice of event.completion.choices) this.answerChars += choice.message.content?.length ?? 0;
        return { type: "completion", completion: { ...event.completion, ...this.metadata } };
      }
      case "delta": {
        for (const choice of event.chunk.choices) {
          this.answerChars += choice.delta.content?.length ?? 0;
          for (const call of choice.delta.tool_calls ?? []) this.answerChars += call.function?.arguments?.length ?? 0;
        }
        return { type: "delta", chunk: { ...event.chunk, ...this.metadata } };
      }
      case "usage":
        this.reported = event.usage;
        return event;
      case "end":
        return event;
    }
  }

  private settle(): Promise<void> {
    this.settled ??= this.account();
    return this.settled;
  }

  /** Prices the answer's tokens and reports them (metrics, logs, the tenant's usage counters subscribe). */
  private async account(): Promise<void> {
    const { request, requestId, tenant, telemetry, slot } = this.context;
    const prompt = this.reported?.prompt_tokens ?? estimatePromptTokens(request);
    const completion = this.reported?.completion_tokens ?? Math.ceil(this.answerChars / 4);
    const entry: CatalogEntry | undefined = this.attempt.candidate.entry;
    const usage = {
      promptTokens: prompt,
      completionTokens: completion,
      costUsd: costUsd(entry, prompt, completion),
      estimated: !this.reported,
    };
    this.accounted = usage;
    telemetry.emit("chat.usage", {
      requestId,
      tenant,
      provider: this.routing.provider,
      model: this.routing.model,
      ...usage,
    });
    await slot?.release(prompt + completion);
  }
}
