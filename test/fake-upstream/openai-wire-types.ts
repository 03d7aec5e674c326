/** Shapes of Chat Completions responses as they appear on the wire. */

export type OpenAiFinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

export interface OpenAiToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface OpenAiChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      tool_calls?: OpenAiToolCall[];
      refusal: string | null;
      annotations: unknown[];
    };
    logprobs: null;
    finish_reason: OpenAiFinishReason;
  }[];
  usage: OpenAiUsage;
  service_tier: string;
  system_fingerprint: string;
}

export interface OpenAiChunkToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function: { name?: string; arguments: string };
}

export interface OpenAiChunkDelta {
  role?: "assistant";
  content?: string | null;
  tool_calls?: OpenAiChunkToolCallDelta[];
  refusal?: string | null;
}

export interface OpenAiChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  service_tier: string;
  system_fingerprint: string;
  choices: { index: number; delta: OpenAiChunkDelta; logprobs: null; finish_reason: OpenAiFinishReason | null }[];
  usage?: OpenAiUsage | null;
  obfuscation?: string;
}
