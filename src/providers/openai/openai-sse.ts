import type { ChatCompletionChunk as SdkChunk } from "openai/resources/chat/completions";
import type { Dispatcher } from "undici";
import { serverSentEvents } from "../sse-decoder.js";
import { streamErrorToGatewayError } from "../upstream-error.js";

/**
 * The chunks of an OpenAI-compatible stream, read as the `openai` SDK reads them: `data: [DONE]` ends the answer
 * (anything after it is ignored; the body is still read to its end, which keeps the connection for the next call),
 * an event whose data carries `error` is thrown as that upstream error, and events of the Assistants API
 * (`thread.*`) are none of chat's. Data that is not JSON throws (the upstream's fault).
 */
export async function* openAIChunks(response: Dispatcher.ResponseData, provider: string): AsyncGenerator<SdkChunk> {
  response.body.setEncoding("utf8");
  let done = false;
  for await (const { event, data } of serverSentEvents(response.body)) {
    done ||= data.startsWith("[DONE]");
    if (done || event?.startsWith("thread.")) continue;
    const parsed = JSON.parse(data) as SdkChunk & { error?: unknown };
    if (parsed?.error) throw streamErrorToGatewayError(parsed, provider);
    yield parsed;
  }
}
