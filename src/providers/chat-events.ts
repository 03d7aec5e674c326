import { GatewayError } from "../errors/gateway-error.js";
import type { ChatEvent, Completion, CompletionChunk, FinishReason } from "./types.js";

/** The events of a plain (non-streamed) answer. */
export function* completionEvents(completion: Completion): Generator<ChatEvent> {
  yield { type: "completion", completion };
  if (completion.usage) yield { type: "usage", usage: completion.usage };
  yield { type: "end", finishReason: completion.choices[0]?.finish_reason ?? "stop" };
}

/**
 * The events of a stream in OpenAI's chunk format (what OpenAI-compatible hosts send, and what the Anthropic
 * translation produces): chunks with choices are deltas (their `usage`, which some hosts put on the last one, is
 * taken out), a usage-only chunk is the usage. A stream that ends before any choice finished was cut short.
 */
export async function* chunkStreamEvents(
  chunks: AsyncIterable<CompletionChunk>,
  provider: string,
): AsyncGenerator<ChatEvent> {
  let finishReason: FinishReason | undefined;
  for await (const chunk of chunks) {
    const { usage, ...rest } = chunk;
    if (rest.choices.length > 0) {
      for (const choice of rest.choices) finishReason = choice.finish_reason ?? finishReason;
      yield { type: "delta", chunk: rest };
    }
    if (usage) yield { type: "usage", usage };
  }
  if (finishReason === undefined) throw endedEarly(provider);
  yield { type: "end", finishReason };
}

export function endedEarly(provider: string): GatewayError {
  return new GatewayError("upstream_error", `Provider '${provider}' ended the stream before the answer was complete.`);
}
