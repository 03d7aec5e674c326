import type { AnthropicStreamEvent } from "../../src/providers/anthropic/stream-transformer.js";

/**
 * The rules of an Anthropic Messages stream that clients (and the Anthropic SDK's MessageStream, which files
 * deltas by `content.at(index)`) depend on; [] when the events keep them all:
 * - message_start first, once; message_delta (with a stop_reason) then message_stop last, once each;
 * - content blocks numbered 0, 1, 2… in the order they start; each starts, gets its deltas, and stops before
 *   the next one starts (blocks never interleave); all are stopped before message_delta;
 * - text blocks start with empty text and get text_delta; tool_use blocks start with `input: {}` and get
 *   input_json_delta; no delta is empty, except the first input_json_delta a real stream may send.
 * A stream ending in an `error` event ends there: it needs no message_delta or message_stop.
 */
export function anthropicStreamRuleViolations(events: readonly AnthropicStreamEvent[]): string[] {
  const problems: string[] = [];
  let open: { index: number; kind: string } | undefined;
  let nextIndex = 0;
  let stage: "new" | "started" | "delta" | "stopped" | "failed" = "new";
  for (const [i, event] of events.entries()) {
    const at = `event ${i} (${event.type})`;
    if (stage === "stopped" || stage === "failed") problems.push(`${at}: after the end of the stream`);
    if (event.type === "error") {
      stage = "failed";
      continue;
    }
    if (event.type === "ping") continue;
    if (stage === "new" && event.type !== "message_start") problems.push(`${at}: before message_start`);
    switch (event.type) {
      case "message_start":
        if (stage !== "new") problems.push(`${at}: a second message_start`);
        if (event.message.content.length > 0) problems.push(`${at}: message_start with content`);
        stage = "started";
        break;
      case "content_block_start": {
        if (stage === "delta") problems.push(`${at}: a block after message_delta`);
        if (open !== undefined) problems.push(`${at}: starts while block ${open.index} is open`);
        if (event.index !== nextIndex) problems.push(`${at}: index ${event.index}, expected ${nextIndex}`);
        nextIndex = event.index + 1;
        const block = event.content_block;
        if (block.type === "text" && block.text !== "") problems.push(`${at}: a text block starting with text`);
        if (block.type === "tool_use" && JSON.stringify(block.input) !== "{}")
          problems.push(`${at}: a tool_use block starting with input`);
        open = { index: event.index, kind: block.type };
        break;
      }
      case "content_block_delta": {
        if (open?.index !== event.index) {
          problems.push(`${at}: a delta for block ${event.index}, which is not the open block`);
          break;
        }
        const { delta } = event;
        if (delta.type === "text_delta" && (open.kind !== "text" || delta.text === ""))
          problems.push(`${at}: text_delta for a ${open.kind} block, or empty`);
        if (delta.type === "input_json_delta" && open.kind !== "tool_use")
          problems.push(`${at}: input_json_delta for a ${open.kind} block`);
        break;
      }
      case "content_block_stop":
        if (open?.index !== event.index) problems.push(`${at}: stops block ${event.index}, which is not open`);
        open = undefined;
        break;
      case "message_delta":
        if (stage === "delta") problems.push(`${at}: a second message_delta`);
        if (open !== undefined) problems.push(`${at}: block ${open.index} is still open`);
        if (event.delta.stop_reason === null) problems.push(`${at}: no stop_reason`);
        stage = "delta";
        break;
      case "message_stop":
        if (stage !== "delta") problems.push(`${at}: message_stop without message_delta`);
        stage = "stopped";
        break;
    }
  }
  if (stage !== "stopped" && stage !== "failed") problems.push("the stream does not end with message_stop or error");
  return problems;
}
