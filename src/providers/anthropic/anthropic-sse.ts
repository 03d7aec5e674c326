import type { AnthropicStreamEvent } from "./stream-transformer.js";

/**
 * One Messages stream event framed as Anthropic frames it: `event: <type>` then `data: <json>` and a blank line.
 * The Anthropic SDK reads the `event:` name (it skips `ping` and raises `error` by it), so both must be there.
 */
export function formatAnthropicEvent(event: AnthropicStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
