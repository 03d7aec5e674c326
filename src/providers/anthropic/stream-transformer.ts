import type {
  MessageDeltaUsage,
  RawContentBlockDeltaEvent,
  RawContentBlockStartEvent,
  RawMessageDeltaEvent,
  RawMessageStreamEvent,
  Usage as AnthropicUsage,
} from "@anthropic-ai/sdk/resources/messages";
import type { components } from "../../../generated/openapi.js";
import { GatewayError } from "../../errors/gateway-error.js";
import type { CompletionChunk, FinishReason } from "../types.js";
import { streamErrorToGatewayError } from "../upstream-error.js";
import { finishReasonFor } from "./map-stop-reason.js";
import { refusalMessage } from "./refusal.js";
import { toUsage } from "./usage.js";

type ChunkDelta = components["schemas"]["ChunkDelta"];

/** `event: ping` — keep-alive, between any two events. */
export interface PingEvent {
  type: "ping";
}

/** `event: error` — a failure after the stream started (e.g. `overloaded_error`). */
export interface StreamErrorEvent {
  type: "error";
  error: { type: string; message: string };
}

/** Every event of a Messages stream. The SDK's RawMessageStreamEvent leaves out ping and error (it handles them). */
export type AnthropicStreamEvent = RawMessageStreamEvent | PingEvent | StreamErrorEvent;

export interface StreamTransformerOptions {
  /** Unix seconds (an integer) for every chunk's `created`. */
  created: number;
  /** The JSON response_format tool (jsonResponseToolName(request)): its input is streamed as content. */
  jsonToolName?: string;
  /** The provider's name, for error messages. */
  provider?: string;
}

export interface StreamTransformer {
  /** The OpenAI chunks for one Anthropic event (often none). Throws the GatewayError of an `error` event. */
  push(event: AnthropicStreamEvent): CompletionChunk[];
  /**
   * Call when the upstream stream ended. Returns what is still owed (the usage chunk when the stream stopped
   * after its finish_reason but without message_stop); throws a 502 GatewayError when the stream ended before
   * the answer did — a cut stream must not look like a complete answer.
   */
  finish(): CompletionChunk[];
}

type OpenBlock =
  | { kind: "text" }
  /** A tool call: `index` counts tool calls only (OpenAI's index), not Anthropic's content block index. */
  | { kind: "tool"; index: number; sentArguments: boolean; startInput: unknown }
  /** The JSON response_format tool: its input is the answer's content. */
  | { kind: "json"; sentContent: boolean; startInput: unknown }
  /** Thinking, redacted thinking and server tool blocks: nothing of them reaches an OpenAI client. */
  | { kind: "ignored" };

interface Started {
  id: string;
  model: string;
  usage: AnthropicUsage;
}

/**
 * Anthropic stream events in, OpenAI `chat.completion.chunk`s out, exactly as OpenAI streams them:
 * - message_start → `{role: "assistant", content: ""}` (its id and model are reused on every chunk);
 * - text deltas → `{content}`;
 * - a tool_use block start → `{tool_calls: [{index, id, type: "function", function: {name, arguments: ""}}]}`,
 *   where index counts tool calls (0, 1, 2…), whatever Anthropic's block index; each non-empty
 *   input_json_delta → `{tool_calls: [{index, function: {arguments: fragment}}]}`, routed by block index so
 *   interleaved blocks stay apart; a tool whose arguments never streamed gets `"{}"` at its block stop;
 * - the JSON response_format tool streams its input as `{content}` instead, and ends as `stop`;
 * - message_delta → `{}` with the finish_reason (a refusal first sends its text as a `refusal` delta);
 * - message_stop → `{choices: [], usage}` from message_start's usage updated by message_delta's (cumulative
 *   counts: taken, not added);
 * - ping, thinking, signature and citation deltas → nothing; an `error` event → its GatewayError, thrown.
 * Deterministic: the same events always give the same chunks.
 */
export function createStreamTransformer(options: StreamTransformerOptions): StreamTransformer {
  const provider = options.provider ?? "anthropic";
  const blocks = new Map<number, OpenBlock>();
  let started: Started | undefined;
  let deltaUsage: MessageDeltaUsage | undefined;
  let toolCalls = 0;
  let finished = false;
  let stopped = false;

  const malformed = (what: string): GatewayError =>
    new GatewayError("upstream_error", `Provider '${provider}' sent a malformed stream: ${what}.`);

  const chunk = (message: Started, delta: ChunkDelta, finishReason: FinishReason | null = null): CompletionChunk => ({
    id: message.id,
    object: "chat.completion.chunk",
    created: options.created,
    model: message.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });

  const usageChunk = (message: Started): CompletionChunk => {
    const start = message.usage;
    const usage = toUsage({
      input_tokens: deltaUsage?.input_tokens ?? start.input_tokens,
      cache_creation_input_tokens: deltaUsage?.cache_creation_input_tokens ?? start.cache_creation_input_tokens,
      cache_read_input_tokens: deltaUsage?.cache_read_input_tokens ?? start.cache_read_input_tokens,
      output_tokens: deltaUsage?.output_tokens ?? start.output_tokens,
      output_tokens_details: deltaUsage?.output_tokens_details ?? start.output_tokens_details,
    });
    return {
      id: message.id,
      object: "chat.completion.chunk",
      created: options.created,
      model: message.model,
      choices: [],
      usage,
    };
  };

  const closeBlock = (message: Started, block: OpenBlock): CompletionChunk[] => {
    if (block.kind === "tool" && !block.sentArguments) {
      return [
        chunk(message, {
          tool_calls: [{ index: block.index, function: { arguments: argumentsOf(block.startInput) } }],
        }),
      ];
    }
    if (block.kind === "json" && !block.sentContent)
      return [chunk(message, { content: argumentsOf(block.startInput) })];
    return [];
  };

  const startBlock = (message: Started, event: RawContentBlockStartEvent): CompletionChunk[] => {
    if (blocks.has(event.index)) throw malformed(`content block ${event.index} started twice`);
    const block = event.content_block;
    if (block.type === "text") {
      blocks.set(event.index, { kind: "text" });
      return block.text === "" ? [] : [chunk(message, { content: block.text })];
    }
    if (block.type === "tool_use") {
      if (options.jsonToolName !== undefined && block.name === options.jsonToolName) {
        blocks.set(event.index, { kind: "json", sentContent: false, startInput: block.input });
        return [];
      }
      const index = toolCalls++;
      blocks.set(event.index, { kind: "tool", index, sentArguments: false, startInput: block.input });
      return [
        chunk(message, {
          tool_calls: [{ index, id: block.id, type: "function", function: { name: block.name, arguments: "" } }],
        }),
      ];
    }
    blocks.set(event.index, { kind: "ignored" });
    return [];
  };

  const blockDelta = (message: Started, event: RawContentBlockDeltaEvent): CompletionChunk[] => {
    const block = blocks.get(event.index);
    if (block === undefined) throw malformed(`a delta for content block ${event.index}, which is not open`);
    const { delta } = event;
    if (delta.type === "text_delta") {
      return block.kind === "text" && delta.text !== "" ? [chunk(message, { content: delta.text })] : [];
    }
    if (delta.type === "input_json_delta" && delta.partial_json !== "") {
      if (block.kind === "tool") {
        block.sentArguments = true;
        return [chunk(message, { tool_calls: [{ index: block.index, function: { arguments: delta.partial_json } }] })];
      }
      if (block.kind === "json") {
        block.sentContent = true;
        return [chunk(message, { content: delta.partial_json })];
      }
    }
    // thinking_delta, signature_delta, citations_delta, an empty input_json_delta: nothing for the client.
    return [];
  };

  const stopBlock = (message: Started, index: number): CompletionChunk[] => {
    const block = blocks.get(index);
    if (block === undefined) throw malformed(`content_block_stop for content block ${index}, which is not open`);
    blocks.delete(index);
    return closeBlock(message, block);
  };

  /** The answer's last chunks: open blocks closed, the refusal text, then the finish_reason. */
  const finishChunks = (message: Started, delta: RawMessageDeltaEvent.Delta | undefined): CompletionChunk[] => {
    const out: CompletionChunk[] = [];
    for (const [index, block] of [...blocks.entries()].sort(([a], [b]) => a - b)) {
      blocks.delete(index);
      out.push(...closeBlock(message, block));
    }
    const stopReason = delta?.stop_reason ?? null;
    if (stopReason === "refusal") out.push(chunk(message, { refusal: refusalMessage(delta?.stop_details) }));
    out.push(chunk(message, {}, finishReasonFor(stopReason, toolCalls)));
    finished = true;
    return out;
  };

  return {
    push(event) {
      if (event.type === "ping") return [];
      if (event.type === "error") throw streamErrorToGatewayError(event, provider);
      if (event.type === "message_start") {
        if (started !== undefined) throw malformed("a second message_start");
        started = { id: event.message.id, model: event.message.model, usage: event.message.usage };
        return [chunk(started, { role: "assistant", content: "" })];
      }
      if (started === undefined) throw malformed(`${event.type} before message_start`);
      if (stopped) return [];
      switch (event.type) {
        case "content_block_start":
          if (finished) throw malformed("a content block after message_delta");
          return startBlock(started, event);
        case "content_block_delta":
          return blockDelta(started, event);
        case "content_block_stop":
          return stopBlock(started, event.index);
        case "message_delta":
          // Usage counts are cumulative. There may be more than one message_delta: the first with a
          // stop_reason ends the answer, later ones only update the usage.
          deltaUsage = event.usage;
          return finished || event.delta.stop_reason == null ? [] : finishChunks(started, event.delta);
        case "message_stop": {
          const out = finished ? [] : finishChunks(started, undefined);
          stopped = true;
          out.push(usageChunk(started));
          return out;
        }
        default:
          // An event type newer than this code: the API may add some, and they carry nothing translated here.
          return [];
      }
    },
    finish() {
      if (stopped) return [];
      if (started !== undefined && finished) {
        stopped = true;
        return [usageChunk(started)];
      }
      throw new GatewayError(
        "upstream_error",
        `Provider '${provider}' ended the stream before the answer was complete.`,
      );
    },
  };
}

/** The arguments of a tool call whose input never streamed: its start input when there was one, else `{}`. */
function argumentsOf(input: unknown): string {
  return typeof input === "object" && input !== null && !Array.isArray(input) ? JSON.stringify(input) : "{}";
}
