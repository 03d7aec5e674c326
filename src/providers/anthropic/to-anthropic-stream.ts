import type {
  RawContentBlockDeltaEvent,
  RawContentBlockStartEvent,
  RawMessageStreamEvent,
} from "@anthropic-ai/sdk/resources/messages";
import type { components } from "../../../generated/openapi.js";
import { GatewayError } from "../../errors/gateway-error.js";
import type { CompletionChunk, FinishReason } from "../types.js";
import { toAnthropicErrorEvent } from "./anthropic-error.js";
import { stopReasonFor } from "./map-stop-reason.js";
import type { AnthropicStreamEvent } from "./stream-transformer.js";
import { isRefusal, refusalDetails } from "./to-anthropic-message.js";
import { answerWasCut, malformedAnswer, malformedToolArguments, parseToolInput } from "./tool-input.js";
import { toAnthropicDeltaUsage, toAnthropicUsage } from "./usage.js";

type ChunkUsage = components["schemas"]["ChunkUsage"];
type ToolCallDelta = components["schemas"]["ToolCallDelta"];

export interface AnthropicStreamEncoderOptions {
  /** The provider's name, for error messages. */
  provider?: string;
}

export interface AnthropicStreamEncoder {
  /** The Anthropic events for one OpenAI chunk (often one, sometimes none or several). */
  push(chunk: CompletionChunk): RawMessageStreamEvent[];
  /**
   * Call when the upstream stream ended. Returns what is still owed (message_delta and message_stop when no
   * usage chunk came after the finish_reason); throws a 502 GatewayError when the stream ended before the answer
   * did — a cut stream must not look like a complete answer.
   */
  finish(): RawMessageStreamEvent[];
  /** The `error` event that ends the stream after a failure (push, finish or the upstream threw); nothing follows. */
  fail(error: GatewayError): AnthropicStreamEvent[];
}

/** One tool call of the OpenAI stream, by its `index`. */
interface ToolCall {
  index: number;
  id: string | undefined;
  name: string | undefined;
  /** Every arguments fragment so far. */
  args: string;
  state: "waiting" | "open" | "closed";
}

/** A content block not opened yet: text or a tool call that arrived while another block was still open. */
type Waiting = { kind: "text"; text: string } | { kind: "tool"; call: ToolCall };

type OpenBlock = { kind: "text"; index: number } | { kind: "tool"; index: number; call: ToolCall };

/**
 * OpenAI `chat.completion.chunk`s in, Anthropic Messages stream events out, in the order Anthropic sends them:
 * - the first chunk → message_start (its id and model; usage so far — input tokens are 0 until the upstream
 *   reports them, which OpenAI does in its last chunk; message_delta then carries the real counts, which the
 *   Anthropic SDK takes over message_start's);
 * - content → a text block (content_block_start with empty text, then text_delta), opened at the first
 *   non-empty text;
 * - each tool call (by OpenAI `index`) → its own tool_use block (id and name kept, `input: {}`), its argument
 *   fragments as input_json_delta;
 * - the finish_reason → every open block stopped; the final usage chunk (or the end of the stream) →
 *   message_delta (stop_reason, usage) and message_stop.
 *
 * Blocks get increasing indexes (0, 1, 2…) and never interleave, as Anthropic's do. OpenAI streams each tool
 * call's fragments one call after the other, but the format allows interleaving them (parallel calls), so: a block
 * stays open until a fragment of something else arrives AND it is complete — text always is, a tool call once
 * its arguments so far parse as a JSON object. Until then what arrives for other calls (or text) waits, in arrival
 * order,
 * and is sent, whole, when its block opens; at the finish_reason every waiting block is sent in order. A
 * contiguous stream is therefore relayed as it comes, an interleaved one loses no fragment.
 *
 * A refusal is not text: it ends as stop_reason `refusal` with the text in stop_details. Tool arguments that are
 * not a JSON object when their block closes fail the stream (see tool-input.ts), except in an answer that was
 * cut (finish_reason `length` or `content_filter`). Deterministic: the same chunks always give the same events.
 */
export function createAnthropicStreamEncoder(options: AnthropicStreamEncoderOptions = {}): AnthropicStreamEncoder {
  const provider = options.provider ?? "openai";
  const calls = new Map<number, ToolCall>();
  const waiting: Waiting[] = [];
  let open: OpenBlock | undefined;
  let nextIndex = 0;
  let toolUses = 0;
  let refusal = "";
  let started = false;
  let finishReason: FinishReason | undefined;
  let usage: ChunkUsage | undefined;
  let ended = false;

  const malformed = (what: string): GatewayError => malformedAnswer(provider, what);

  const messageStart = (chunk: CompletionChunk): RawMessageStreamEvent => ({
    type: "message_start",
    message: {
      id: chunk.id,
      type: "message",
      role: "assistant",
      model: chunk.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: toAnthropicUsage(chunk.usage),
    },
  });

  const textDelta = (index: number, text: string): RawContentBlockDeltaEvent => ({
    type: "content_block_delta",
    index,
    delta: { type: "text_delta", text },
  });

  const jsonDelta = (index: number, partial: string): RawContentBlockDeltaEvent => ({
    type: "content_block_delta",
    index,
    delta: { type: "input_json_delta", partial_json: partial },
  });

  const openBlock = (block: Waiting): RawMessageStreamEvent[] => {
    const index = nextIndex++;
    if (block.kind === "text") {
      open = { kind: "text", index };
      const start: RawContentBlockStartEvent = {
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "", citations: null },
      };
      return block.text === "" ? [start] : [start, textDelta(index, block.text)];
    }
    const { call } = block;
    if (call.id === undefined || call.name === undefined) {
      throw malformed(`tool call ${call.index} has no ${call.id === undefined ? "id" : "name"}`);
    }
    call.state = "open";
    open = { kind: "tool", index, call };
    toolUses++;
    const start: RawContentBlockStartEvent = {
      type: "content_block_start",
      index,
      content_block: { type: "tool_use", id: call.id, name: call.name, input: {}, caller: { type: "direct" } },
    };
    return call.args === "" ? [start] : [start, jsonDelta(index, call.args)];
  };

  const closeOpen = (): RawMessageStreamEvent[] => {
    if (open === undefined) return [];
    const block = open;
    open = undefined;
    if (block.kind === "tool") {
      block.call.state = "closed";
      if (!answerWasCut(finishReason) && parseToolInput(block.call.args) === undefined) {
        throw malformedToolArguments(provider, block.call.name ?? "");
      }
    }
    return [{ type: "content_block_stop", index: block.index }];
  };

  /**
   * Whether the open block can be stopped now without cutting it: text always, a tool call once its arguments
   * parse as a JSON object (not while they are still empty: most hosts send them after the call's name).
   */
  const openIsComplete = (): boolean =>
    open === undefined ||
    open.kind === "text" ||
    (open.call.args.trim() !== "" && parseToolInput(open.call.args) !== undefined);

  /** Opens waiting blocks, in order, as long as the block before them is complete. */
  const advance = (): RawMessageStreamEvent[] => {
    const out: RawMessageStreamEvent[] = [];
    for (let next = waiting[0]; next !== undefined && openIsComplete(); next = waiting[0]) {
      waiting.shift();
      out.push(...closeOpen(), ...openBlock(next));
    }
    return out;
  };

  const onText = (text: string): RawMessageStreamEvent[] => {
    if (open?.kind === "text") return [textDelta(open.index, text)];
    const last = waiting.at(-1);
    if (last?.kind === "text") last.text += text;
    else waiting.push({ kind: "text", text });
    return advance();
  };

  const onToolCall = (part: ToolCallDelta): RawMessageStreamEvent[] => {
    const fragment = part.function?.arguments ?? "";
    let call = calls.get(part.index);
    if (call === undefined) {
      call = { index: part.index, id: part.id, name: part.function?.name, args: "", state: "waiting" };
      calls.set(part.index, call);
      waiting.push({ kind: "tool", call });
    } else if (call.state === "waiting") {
      call.id ??= part.id;
      call.name ??= part.function?.name;
    }
    if (call.state === "closed") {
      if (fragment.trim() === "") return [];
      throw malformed(`arguments for tool call ${part.index} after its arguments were complete`);
    }
    call.args += fragment;
    if (call.state === "waiting") return advance();
    // The open block: its fragment, then whatever waited for it to be complete.
    const out = fragment === "" || open?.kind !== "tool" ? [] : [jsonDelta(open.index, fragment)];
    return [...out, ...advance()];
  };

  /** At the finish_reason: the open block and every waiting one, in order, opened and stopped. */
  const closeAll = (): RawMessageStreamEvent[] => {
    const out = closeOpen();
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
      out.push(...openBlock(next), ...closeOpen());
    }
    return out;
  };

  const end = (reason: FinishReason): RawMessageStreamEvent[] => {
    ended = true;
    const refused = isRefusal(refusal) || reason === "content_filter";
    return [
      {
        type: "message_delta",
        delta: {
          stop_reason: stopReasonFor(reason, { toolUses, refused }),
          stop_sequence: null,
          stop_details: refused ? refusalDetails(refusal) : null,
          container: null,
        },
        usage: toAnthropicDeltaUsage(usage),
      },
      { type: "message_stop" },
    ];
  };

  const onChoice = (choice: CompletionChunk["choices"][number]): RawMessageStreamEvent[] => {
    if (choice.index !== 0) throw malformed(`a choice with index ${choice.index} (one was asked for)`);
    const { delta } = choice;
    const hasContent =
      (delta.content ?? "") !== "" || (delta.refusal ?? "") !== "" || (delta.tool_calls ?? []).length > 0;
    if (finishReason !== undefined && hasContent) throw malformed("content after the finish_reason");
    const out: RawMessageStreamEvent[] = [];
    if (typeof delta.content === "string" && delta.content !== "") out.push(...onText(delta.content));
    if (typeof delta.refusal === "string") refusal += delta.refusal;
    for (const part of delta.tool_calls ?? []) out.push(...onToolCall(part));
    if (choice.finish_reason != null && finishReason === undefined) {
      finishReason = choice.finish_reason;
      out.push(...closeAll());
    }
    return out;
  };

  return {
    push(chunk) {
      if (ended) return [];
      const out: RawMessageStreamEvent[] = [];
      if (!started) {
        started = true;
        out.push(messageStart(chunk));
      }
      if (chunk.usage != null) usage = chunk.usage;
      for (const choice of chunk.choices) out.push(...onChoice(choice));
      // OpenAI's last chunk: no choices, the whole answer's usage.
      if (finishReason !== undefined && chunk.choices.length === 0 && chunk.usage != null)
        out.push(...end(finishReason));
      return out;
    },
    finish() {
      if (ended) return [];
      if (finishReason === undefined) {
        throw new GatewayError(
          "upstream_error",
          `Provider '${provider}' ended the stream before the answer was complete.`,
        );
      }
      return end(finishReason);
    },
    fail(error) {
      ended = true;
      return [toAnthropicErrorEvent(error)];
    },
  };
}
