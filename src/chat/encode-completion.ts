import { GatewayError } from "../errors/gateway-error.js";
import type { ChatAnswer, ChatCompletion } from "./chat-operation.js";

/** A plain answer as the JSON body: its completion, with Runestone's metadata and the upstream's usage. */
export async function completionOf(answer: ChatAnswer): Promise<ChatCompletion> {
  let completion: ChatCompletion | undefined;
  for await (const event of answer.events) if (event.type === "completion") completion = event.completion;
  if (completion === undefined) {
    throw new GatewayError("upstream_error", `Provider '${answer.routing.provider}' answered without a completion.`);
  }
  return completion;
}
