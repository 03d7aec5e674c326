import type { RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import type { Dispatcher } from "undici";
import { serverSentEvents } from "../sse-decoder.js";
import { streamErrorToGatewayError } from "../upstream-error.js";
import { parsedOrText } from "../upstream-http.js";

/**
 * The events of a Messages API stream, read as `@anthropic-ai/sdk` reads them: by the `event:` name, `ping`s and
 * unnamed or empty events skipped, an `error` event thrown as that upstream error (its body parsed when it is JSON).
 * Data that is not JSON throws (the upstream's fault).
 */
export async function* anthropicEvents(
  response: Dispatcher.ResponseData,
  provider: string,
): AsyncGenerator<RawMessageStreamEvent> {
  response.body.setEncoding("utf8");
  for await (const { event, data } of serverSentEvents(response.body)) {
    if (event === undefined || event === "ping") continue;
    if (event === "error") throw streamErrorToGatewayError(parsedOrText(data), provider);
    if (data !== "") yield JSON.parse(data) as RawMessageStreamEvent;
  }
}
