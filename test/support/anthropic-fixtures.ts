import { readFileSync } from "node:fs";
import type { Message } from "@anthropic-ai/sdk/resources/messages";
import type { AnthropicStreamEvent } from "../../src/providers/anthropic/stream-transformer.js";
import { parseSse } from "./sse.js";

const FIXTURES = new URL("../fixtures/anthropic/", import.meta.url);

/** A file of test/fixtures/anthropic, as text. */
export function readAnthropicFixture(file: string): string {
  return readFileSync(new URL(file, FIXTURES), "utf8");
}

/** A JSON file of test/fixtures/anthropic. */
export function readAnthropicJson(file: string): unknown {
  return JSON.parse(readAnthropicFixture(file));
}

/**
 * The events of `<name>.sse`, parsed as the SDK parses them. Each event's `event:` name must equal its data's
 * `type`, as on the real wire — a fixture that breaks the framing fails here rather than passing by accident.
 */
export function loadAnthropicEvents(name: string): AnthropicStreamEvent[] {
  return parseSse(readAnthropicFixture(`${name}.sse`)).map(({ event, data }, i) => {
    const parsed = JSON.parse(data) as AnthropicStreamEvent;
    if (event !== parsed.type)
      throw new Error(`${name}.sse event ${i}: 'event: ${event}' carries type '${parsed.type}'`);
    return parsed;
  });
}

/** `<name>.json`: a non-streamed Messages API response. */
export function loadAnthropicMessage(name: string): Message {
  return readAnthropicJson(`${name}.json`) as Message;
}
