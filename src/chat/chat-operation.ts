import type { components } from "../../generated/openapi.js";
import type { Answer } from "../pipeline/answer.js";
import type { EventMeter, Operation, TokenCounts } from "../pipeline/operation.js";
import type { ChatEvent, ChatRequest, FinishReason, Usage } from "../providers/types.js";
import { requiredCapabilities } from "../routing/required-capabilities.js";
import type { RouteRequest } from "../routing/route-request.js";
import { estimatePromptTokens, requestedMaxTokens } from "../routing/token-estimate.js";
import { completionOf } from "./encode-completion.js";

export type ChatCompletion = components["schemas"]["ChatCompletion"];
export type ChatCompletionChunk = components["schemas"]["ChatCompletionChunk"];

/** The provider's events with Runestone's metadata on every completion and chunk. */
export type AnswerEvent =
  | { type: "completion"; completion: ChatCompletion }
  | { type: "delta"; chunk: ChatCompletionChunk }
  | { type: "usage"; usage: Usage }
  | { type: "end"; finishReason: FinishReason };

export type ChatAnswer = Answer<ChatEvent, AnswerEvent>;

/** How routing and admission see a chat request. */
export function chatRoute(request: ChatRequest): RouteRequest {
  const promptTokens = estimatePromptTokens(request);
  const cap = requestedMaxTokens(request);
  return {
    model: request.model,
    provider: request.provider,
    policy: request.routing_policy,
    family: request.model_family,
    defaultFamily: true,
    maxCostPerToken: request.max_cost_per_token,
    serves: "chat",
    capabilities: requiredCapabilities(request),
    promptTokens,
    contextTokens: promptTokens,
    promptParam: "messages",
    completion:
      cap === undefined
        ? undefined
        : { tokens: cap, param: request.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens" },
    choices: request.n ?? 1,
  };
}

/**
 * Chat completions (POST /v1/chat/completions and /v1/chat/stream) through the pipeline: the provider's chat,
 * Runestone's metadata on every completion and chunk, the completion as the plain answer.
 */
export const chatOperation: Operation<ChatRequest, ChatEvent, AnswerEvent, ChatCompletion> = {
  name: "chat",
  route: chatRoute,
  callbackUrl: (request) => request.callback_url,
  job: (request) => ({ operation: "chat", request }),
  call: (provider, call) => provider.chat(call),
  meter: chatMeter,
  present(event, metadata) {
    switch (event.type) {
      case "completion":
        return { type: "completion", completion: { ...event.completion, ...metadata } };
      case "delta":
        return { type: "delta", chunk: { ...event.chunk, ...metadata } };
      default:
        return event;
    }
  },
  collect: completionOf,
};

/** Usage from the `usage` event; the answer's text and tool arguments for an estimate; complete at `end`. */
function chatMeter(): EventMeter<ChatEvent> {
  let reported: TokenCounts | undefined;
  let answerChars = 0;
  let complete = false;
  return {
    observe(event) {
      switch (event.type) {
        case "completion":
          for (const choice of event.completion.choices) answerChars += choice.message.content?.length ?? 0;
          break;
        case "delta":
          for (const choice of event.chunk.choices) {
            answerChars += choice.delta.content?.length ?? 0;
            for (const call of choice.delta.tool_calls ?? []) answerChars += call.function?.arguments?.length ?? 0;
          }
          break;
        case "usage":
          reported = { promptTokens: event.usage.prompt_tokens, completionTokens: event.usage.completion_tokens };
          break;
        case "end":
          complete = true;
          break;
      }
    },
    get reported() {
      return reported;
    },
    get answerChars() {
      return answerChars;
    },
    get complete() {
      return complete;
    },
  };
}
