import type { components } from "../../generated/openapi.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Answer } from "../pipeline/answer.js";
import type { MessagesEvent } from "../providers/types.js";

export type AnthropicMessage = components["schemas"]["AnthropicMessage"];

/** A plain answer as the JSON body: the Message, exactly as the upstream (or the translation) made it. */
export async function messageOf(answer: Answer<MessagesEvent, MessagesEvent>): Promise<AnthropicMessage> {
  let message: AnthropicMessage | undefined;
  for await (const event of answer.events) {
    // The SDK's Message and the spec's AnthropicMessage describe the same JSON.
    if (event.type === "message") message = event as unknown as AnthropicMessage;
  }
  if (message === undefined) {
    throw new GatewayError("upstream_error", `Provider '${answer.routing.provider}' answered without a message.`);
  }
  return message;
}
