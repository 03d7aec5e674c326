import type { ChatCompletionCreateParamsBase } from "openai/resources/chat/completions/completions";

/**
 * Every top-level parameter of a chat completion request the real API accepts: the keys of
 * `ChatCompletionCreateParamsBase` in the installed `openai` SDK
 * (node_modules/openai/resources/chat/completions/completions.d.ts), in its order. Anything else gets 400
 * "Unrecognized request argument supplied". When the SDK gains or loses a parameter, `tsc` fails here.
 */
export const OPENAI_CHAT_PARAMS = [
  "messages",
  "model",
  "audio",
  "frequency_penalty",
  "function_call",
  "functions",
  "logit_bias",
  "logprobs",
  "max_completion_tokens",
  "max_tokens",
  "metadata",
  "modalities",
  "moderation",
  "n",
  "parallel_tool_calls",
  "prediction",
  "presence_penalty",
  "prompt_cache_key",
  "prompt_cache_options",
  "prompt_cache_retention",
  "reasoning_effort",
  "response_format",
  "safety_identifier",
  "seed",
  "service_tier",
  "stop",
  "store",
  "stream",
  "stream_options",
  "temperature",
  "tool_choice",
  "tools",
  "top_logprobs",
  "top_p",
  "user",
  "verbosity",
  "web_search_options",
] as const satisfies readonly (keyof ChatCompletionCreateParamsBase)[];

/** Compiles only when the list has every parameter of the SDK's type (`satisfies` above refuses extra ones). */
type AllOf<Missing extends never> = Missing;
export type OpenAiChatParamsComplete = AllOf<
  Exclude<keyof ChatCompletionCreateParamsBase, (typeof OPENAI_CHAT_PARAMS)[number]>
>;
