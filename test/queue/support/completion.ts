import type { components } from "../../../generated/openapi.js";
import type { ChatRequest } from "../../../src/providers/types.js";

type ChatCompletion = components["schemas"]["ChatCompletion"];

export function chatRequest(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: "gpt-4o-mini", messages: [{ role: "user", content: text }], ...extra };
}

export function completionFor(requestId: string, text = `answer to ${requestId}`): ChatCompletion {
  return {
    id: `chatcmpl-${requestId}`,
    object: "chat.completion",
    created: 1_764_150_000,
    model: "gpt-4o-mini",
    choices: [
      { index: 0, message: { role: "assistant", content: text, refusal: null }, finish_reason: "stop", logprobs: null },
    ],
    provider: "openai",
    routing_policy: "default",
    request_id: requestId,
  };
}
