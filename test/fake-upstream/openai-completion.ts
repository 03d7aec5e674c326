import { newChatCompletionId, newSystemFingerprint } from "./ids.js";
import {
  buildUsage,
  DEFAULT_OPENAI_MODEL,
  defaultFinishReason,
  generatedText,
  resolveToolCalls,
  type OpenAiCompletionOptions,
} from "./openai-answer-spec.js";
import type { OpenAiChatCompletion } from "./openai-wire-types.js";

/** A complete `chat.completion` body as the real API returns it. */
export function openaiCompletion(options: OpenAiCompletionOptions = {}): OpenAiChatCompletion {
  const toolCalls = resolveToolCalls(options.toolCalls);
  const content = options.refusal !== undefined ? null : (options.content ?? (toolCalls.length > 0 ? null : ""));
  return {
    id: options.id ?? newChatCompletionId(),
    object: "chat.completion",
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: options.model ?? DEFAULT_OPENAI_MODEL,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          refusal: options.refusal ?? null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: options.finishReason ?? defaultFinishReason(toolCalls),
      },
    ],
    usage: buildUsage(options.usage, generatedText(options, toolCalls)),
    service_tier: "default",
    system_fingerprint: newSystemFingerprint(),
  };
}
