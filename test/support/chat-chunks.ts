import type { components } from "../../generated/openapi.js";
import type { CompletionChunk } from "../../src/providers/types.js";

type Schemas = components["schemas"];

/** What an OpenAI client makes of a stream: the message, the finish_reason and the usage. */
export interface AccumulatedStream {
  id: string;
  model: string;
  content: string | null;
  refusal: string | null;
  tool_calls: Schemas["ToolCall"][];
  finish_reason: Schemas["FinishReason"] | null;
  usage: Schemas["ChunkUsage"] | undefined;
}

/**
 * Accumulates chunks the way the OpenAI SDKs do (ChatCompletionStream / ChatCompletionAccumulator): content and
 * refusal concatenated, tool calls assembled per `index` — id, type and name from their first delta, arguments
 * appended from every delta.
 */
export function accumulateChunks(chunks: readonly CompletionChunk[]): AccumulatedStream {
  const first = chunks[0];
  const result: AccumulatedStream = {
    id: first?.id ?? "",
    model: first?.model ?? "",
    content: null,
    refusal: null,
    tool_calls: [],
    finish_reason: null,
    usage: undefined,
  };
  const calls = new Map<number, Schemas["ToolCall"]>();
  for (const chunk of chunks) {
    if (chunk.usage != null) result.usage = chunk.usage;
    for (const choice of chunk.choices) {
      const { delta } = choice;
      if (typeof delta.content === "string") result.content = (result.content ?? "") + delta.content;
      if (typeof delta.refusal === "string") result.refusal = (result.refusal ?? "") + delta.refusal;
      for (const part of delta.tool_calls ?? []) {
        const call = calls.get(part.index) ?? { id: "", type: "function", function: { name: "", arguments: "" } };
        if (part.id !== undefined) call.id = part.id;
        if (part.function?.name !== undefined) call.function.name = part.function.name;
        if (part.function?.arguments !== undefined) call.function.arguments += part.function.arguments;
        calls.set(part.index, call);
      }
      if (choice.finish_reason !== null) result.finish_reason = choice.finish_reason;
    }
  }
  result.tool_calls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  return result;
}

/**
 * The rules of an OpenAI stream that clients depend on, and that translating gateways keep breaking; [] when
 * the stream keeps them all:
 * - every chunk has the same id, model and created; every choice is index 0 with logprobs null;
 * - the first chunk, and only it, carries `role: "assistant"` (with `content: ""`);
 * - exactly one chunk has a finish_reason, with an empty delta, after every content and tool call delta;
 * - a usage chunk, if any, is the last one and has `choices: []`;
 * - tool call indexes start at 0 and each new one is the next integer; id, type and name come once, in the
 *   tool call's first delta (with `arguments: ""`), and never again; later deltas carry only arguments;
 * - no delta is empty except the finish chunk's, and no content or arguments fragment is "".
 */
export function streamRuleViolations(chunks: readonly CompletionChunk[]): string[] {
  const problems: string[] = [];
  const first = chunks[0];
  if (first === undefined) return ["no chunks"];
  const seenTools = new Set<number>();
  let finishAt = -1;
  chunks.forEach((chunk, i) => {
    const at = `chunk ${i}`;
    if (chunk.id !== first.id || chunk.model !== first.model || chunk.created !== first.created)
      problems.push(`${at}: id/model/created differ from the first chunk`);
    if (chunk.object !== "chat.completion.chunk") problems.push(`${at}: object is ${String(chunk.object)}`);
    if (chunk.choices.length === 0) {
      if (chunk.usage == null) problems.push(`${at}: no choices and no usage`);
      if (i !== chunks.length - 1) problems.push(`${at}: the usage chunk is not the last`);
      return;
    }
    if (chunk.usage != null) problems.push(`${at}: usage on a chunk with choices`);
    if (chunk.choices.length !== 1) problems.push(`${at}: ${chunk.choices.length} choices`);
    const choice = chunk.choices[0];
    if (choice === undefined) return;
    if (choice.index !== 0) problems.push(`${at}: choice index ${choice.index}`);
    if (choice.logprobs !== null) problems.push(`${at}: logprobs is not null`);
    const { delta } = choice;
    if (i === 0) {
      if (delta.role !== "assistant" || delta.content !== "")
        problems.push(`${at}: the first chunk is not {role: "assistant", content: ""}`);
    } else if (delta.role !== undefined) {
      problems.push(`${at}: role after the first chunk`);
    }
    if (choice.finish_reason !== null) {
      if (finishAt !== -1) problems.push(`${at}: a second finish_reason`);
      finishAt = i;
      if (Object.keys(delta).length > 0) problems.push(`${at}: the finish chunk's delta is not empty`);
      return;
    }
    if (finishAt !== -1) problems.push(`${at}: a delta after the finish_reason`);
    if (i > 0 && Object.keys(delta).length === 0) problems.push(`${at}: an empty delta`);
    if (i > 0 && delta.content === "") problems.push(`${at}: an empty content fragment`);
    for (const call of delta.tool_calls ?? []) {
      const isNew = !seenTools.has(call.index);
      if (isNew) {
        if (call.index !== seenTools.size)
          problems.push(`${at}: tool call index ${call.index}, expected ${seenTools.size}`);
        seenTools.add(call.index);
        if (
          call.id === undefined ||
          call.type !== "function" ||
          call.function?.name === undefined ||
          call.function.arguments !== ""
        ) {
          problems.push(`${at}: tool call ${call.index} does not open with id, type, name and arguments ""`);
        }
      } else {
        if (call.id !== undefined || call.type !== undefined || call.function?.name !== undefined)
          problems.push(`${at}: tool call ${call.index} repeats id/type/name`);
        if (call.function?.arguments === undefined || call.function.arguments === "")
          problems.push(`${at}: tool call ${call.index} delta without arguments`);
      }
    }
  });
  if (finishAt === -1) problems.push("no finish_reason");
  return problems;
}
