import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions";
import { withoutRunestoneFields } from "../runestone-fields.js";
import type { ChatRequest } from "../types.js";

/**
 * The client's request as an OpenAI-compatible upstream takes it: Runestone's fields removed, fields the spec
 * does not know kept (OpenAI adds fields often), the model resolved.
 */
export function toOpenAIRequest(request: ChatRequest, model: string): ChatCompletionCreateParamsNonStreaming {
  const {
    stream: _stream,
    stream_options: _streamOptions,
    ...rest
  } = withoutRunestoneFields("ChatCompletionRequest", request);
  return { ...rest, model, stream: false } as ChatCompletionCreateParamsNonStreaming;
}

/** Streams always ask for usage, so that the gateway can account for it; it is dropped for clients that did not ask. */
export function toOpenAIStreamRequest(request: ChatRequest, model: string): ChatCompletionCreateParamsStreaming {
  return { ...toOpenAIRequest(request, model), stream: true, stream_options: { include_usage: true } };
}
