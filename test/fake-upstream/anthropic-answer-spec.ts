import type {
  AnthropicContentBlock,
  AnthropicRefusalStopDetails,
  AnthropicStopReason,
  AnthropicUsage,
} from "./anthropic-wire-types.js";
import { newAnthropicMessageId, newToolUseId } from "./ids.js";
import { countWords } from "./token-estimates.js";

export interface AnthropicToolUseSpec {
  id?: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicUsageSpec {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export interface AnthropicMessageOptions {
  text?: string;
  toolUses?: AnthropicToolUseSpec[];
  stopReason?: AnthropicStopReason;
  stopSequence?: string | null;
  usage?: AnthropicUsageSpec;
  model?: string;
  /** The model declined: stop_reason "refusal"; with no `text` the message has no content block at all. */
  refusal?: boolean;
  id?: string;
}

export interface AnthropicStreamOptions extends AnthropicMessageOptions {
  /** Interleave `ping` events as the real API does (default true). */
  pings?: boolean;
  /** Number of fragments each tool input is streamed in after the empty first delta (default 3). */
  splitArgsInto?: number;
}

const DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-5-20250929";
const DEFAULT_INPUT_TOKENS = 10;
export const DEFAULT_INPUT_FRAGMENTS = 3;

// Copied from a real refusal capture.
export const REFUSAL_STOP_DETAILS: AnthropicRefusalStopDetails = {
  type: "refusal",
  category: "cyber",
  explanation:
    "This request triggered restrictions on violative cyber content and was blocked under Anthropic's Usage Policy.",
};

/** A builder's options with every default filled in. */
export interface ResolvedMessage {
  id: string;
  model: string;
  blocks: AnthropicContentBlock[];
  stopReason: AnthropicStopReason;
  stopSequence: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
  refusal: boolean;
}

function defaultStopReason(refusal: boolean, blocks: AnthropicContentBlock[]): AnthropicStopReason {
  if (refusal) return "refusal";
  return blocks.some((block) => block.type === "tool_use") ? "tool_use" : "end_turn";
}

export function resolveMessage(options: AnthropicMessageOptions): ResolvedMessage {
  const blocks: AnthropicContentBlock[] = [];
  if (options.text !== undefined && options.text !== "") blocks.push({ type: "text", text: options.text });
  for (const toolUse of options.toolUses ?? []) {
    blocks.push({ type: "tool_use", id: toolUse.id ?? newToolUseId(), name: toolUse.name, input: toolUse.input });
  }
  const refusal = options.refusal === true;
  const generated = blocks.map((block) => (block.type === "text" ? block.text : JSON.stringify(block.input)));
  return {
    id: options.id ?? newAnthropicMessageId(),
    model: options.model ?? DEFAULT_ANTHROPIC_MODEL,
    blocks,
    stopReason: options.stopReason ?? defaultStopReason(refusal, blocks),
    stopSequence: options.stopSequence ?? null,
    inputTokens: options.usage?.input_tokens ?? DEFAULT_INPUT_TOKENS,
    outputTokens: options.usage?.output_tokens ?? countWords(generated.join(" ")),
    cacheCreationInputTokens: options.usage?.cache_creation_input_tokens ?? 0,
    cacheReadInputTokens: options.usage?.cache_read_input_tokens ?? 0,
    refusal,
  };
}

export function fullUsage(message: ResolvedMessage, outputTokens: number): AnthropicUsage {
  return {
    input_tokens: message.inputTokens,
    cache_creation_input_tokens: message.cacheCreationInputTokens,
    cache_read_input_tokens: message.cacheReadInputTokens,
    cache_creation: { ephemeral_5m_input_tokens: message.cacheCreationInputTokens, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: "standard",
  };
}
