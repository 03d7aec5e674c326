import type {
  ChatCompletion as SdkCompletion,
  ChatCompletionChunk as SdkChunk,
} from "openai/resources/chat/completions";
import type { Completion, CompletionChunk } from "../types.js";

/**
 * OpenAI-compatible hosts (vLLM, Ollama, LM Studio…) often leave out fields that OpenAI's own schema requires,
 * such as `message.refusal` and `choice.logprobs`; every client is built on that schema, so they are filled in.
 */
export function fromOpenAIResponse(completion: SdkCompletion): Completion {
  return {
    ...completion,
    object: "chat.completion",
    choices: completion.choices.map((choice) => {
      const { tool_calls: toolCalls, ...message } = choice.message;
      const functionCalls = toolCalls?.flatMap((call) =>
        call.type === "function" ? [{ id: call.id, type: call.type, function: call.function }] : [],
      );
      return {
        ...choice,
        logprobs: choice.logprobs ?? null,
        message: {
          ...message,
          content: message.content ?? null,
          refusal: message.refusal ?? null,
          ...(functionCalls && functionCalls.length > 0 ? { tool_calls: functionCalls } : {}),
        },
      };
    }),
  };
}

export function fromOpenAIChunk(chunk: SdkChunk): CompletionChunk {
  return {
    ...chunk,
    object: "chat.completion.chunk",
    choices: chunk.choices.map((choice) => ({ ...choice, finish_reason: choice.finish_reason ?? null })),
  };
}
