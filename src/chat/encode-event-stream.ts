import { ClientAbortedError } from "../errors/client-aborted.js";
import { type StreamEnd, streamFailure } from "../pipeline/stream-end.js";
import type { ChatAnswer, ChatCompletionChunk } from "./chat-operation.js";

const DONE = "data: [DONE]\n\n";

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/**
 * An answer as server-sent events, exactly as OpenAI streams it: each chunk as it arrives, the usage chunk
 * (`choices: []`) when the client asked for usage, then `[DONE]`. An error after the first event ends the stream
 * with an event holding the error and no `[DONE]`, so a cut-off answer never looks complete; a client that left
 * gets nothing more (the ClientAbortedError is thrown on).
 */
export async function* eventStreamOf(answer: ChatAnswer, includeUsage: boolean): AsyncGenerator<string, StreamEnd> {
  let last: ChatCompletionChunk | undefined;
  try {
    for await (const event of answer.events) {
      if (event.type === "delta") {
        last = event.chunk;
        yield frame(event.chunk);
      } else if (event.type === "usage" && includeUsage && last !== undefined) {
        yield frame({ ...last, choices: [], usage: event.usage });
      }
    }
  } catch (err) {
    if (err instanceof ClientAbortedError) throw err;
    const failure = streamFailure(err, answer.requestId);
    yield frame(failure.toBody());
    return { failure };
  }
  yield DONE;
  return {};
}
