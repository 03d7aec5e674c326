import { ClientAbortedError } from "../errors/client-aborted.js";
import type { Answer } from "../pipeline/answer.js";
import { type StreamEnd, streamFailure } from "../pipeline/stream-end.js";
import { toAnthropicErrorEvent } from "../providers/anthropic/anthropic-error.js";
import { formatAnthropicEvent } from "../providers/anthropic/anthropic-sse.js";
import type { MessagesEvent } from "../providers/types.js";

/**
 * An answer as server-sent events, exactly as Anthropic streams them (`event: <type>` and `data: <json>`): each
 * event as it arrives, a `ping` after message_start as Anthropic sends one. An error after the first event ends the
 * stream with an `error` event, so a cut-off answer never looks complete (the Anthropic SDK raises it); a client
 * that left gets nothing more (the ClientAbortedError is thrown on).
 */
export async function* anthropicEventStreamOf(
  answer: Answer<MessagesEvent, MessagesEvent>,
): AsyncGenerator<string, StreamEnd> {
  try {
    for await (const event of answer.events) {
      if (event.type === "message") continue;
      yield formatAnthropicEvent(event);
      if (event.type === "message_start") yield formatAnthropicEvent({ type: "ping" });
    }
  } catch (err) {
    if (err instanceof ClientAbortedError) throw err;
    const failure = streamFailure(err, answer.requestId);
    yield formatAnthropicEvent(toAnthropicErrorEvent(failure));
    return { failure };
  }
  return {};
}
