import { newToolCallId } from "./ids.js";
import { countWords } from "./token-estimates.js";
import type { OpenAiFinishReason, OpenAiToolCall, OpenAiUsage } from "./openai-wire-types.js";

export interface OpenAiToolCallSpec {
  id?: string;
  name: string;
  /** A JSON string as the model wrote it, or an object to be JSON-encoded compactly. */
  arguments: string | Record<string, unknown>;
}

export interface OpenAiUsageSpec {
  prompt_tokens?: number;
  completion_tokens?: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}

export interface OpenAiCompletionOptions {
  content?: string;
  toolCalls?: OpenAiToolCallSpec[];
  /** The model declined: `message.refusal` carries this text and `content` is null. */
  refusal?: string;
  finishReason?: OpenAiFinishReason;
  usage?: OpenAiUsageSpec;
  model?: string;
  id?: string;
  created?: number;
}

export interface OpenAiStreamOptions extends OpenAiCompletionOptions {
  /** As requested with `stream_options.include_usage`: `usage: null` on each chunk, then a usage chunk. */
  includeUsage?: boolean;
  /** As `stream_options.include_obfuscation` (on by default in the real API): random padding per chunk. */
  includeObfuscation?: boolean;
  /** Number of fragments each tool call's arguments are streamed in (default 3). */
  splitArgsInto?: number;
}

export const DEFAULT_OPENAI_MODEL = "gpt-4o-mini";
const DEFAULT_PROMPT_TOKENS = 10;
export const DEFAULT_ARGUMENT_FRAGMENTS = 3;

export function resolveToolCalls(specs: OpenAiToolCallSpec[] | undefined): OpenAiToolCall[] {
  return (specs ?? []).map((spec) => ({
    id: spec.id ?? newToolCallId(),
    type: "function",
    function: {
      name: spec.name,
      arguments: typeof spec.arguments === "string" ? spec.arguments : JSON.stringify(spec.arguments),
    },
  }));
}

export function buildUsage(spec: OpenAiUsageSpec | undefined, generatedText: string): OpenAiUsage {
  const promptTokens = spec?.prompt_tokens ?? DEFAULT_PROMPT_TOKENS;
  const completionTokens = spec?.completion_tokens ?? countWords(generatedText);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: spec?.cached_tokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: spec?.reasoning_tokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function defaultFinishReason(toolCalls: OpenAiToolCall[]): OpenAiFinishReason {
  return toolCalls.length > 0 ? "tool_calls" : "stop";
}

export function generatedText(options: OpenAiCompletionOptions, toolCalls: OpenAiToolCall[]): string {
  return [options.content ?? "", options.refusal ?? "", ...toolCalls.map((call) => call.function.arguments)].join(" ");
}
