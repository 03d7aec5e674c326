import type { MessageCountTokensParams, MessageCreateParamsBase } from "@anthropic-ai/sdk/resources/messages/messages";

/** Parameters of the SDK's type that it sends as headers, not in the body. */
type HeaderParams = "user_profile_id" | "workspace_id";

/**
 * Every top-level field of a Messages request body that API version 2026-10-21 (the one the installed
 * `@anthropic-ai/sdk` sends) accepts: the body parameters of `MessageCreateParamsBase`
 * (node_modules/@anthropic-ai/sdk/resources/messages/messages.d.ts), in its order. Anything else is a 400
 * "X: Extra inputs are not permitted". When the SDK gains or loses a parameter, `tsc` fails here.
 */
export const ANTHROPIC_MESSAGES_PARAMS = [
  "max_tokens",
  "messages",
  "model",
  "cache_control",
  "container",
  "diagnostics",
  "inference_geo",
  "metadata",
  "output_config",
  "service_tier",
  "speed",
  "stop_sequences",
  "stream",
  "system",
  "thinking",
  "tool_choice",
  "tools",
] as const satisfies readonly Exclude<keyof MessageCreateParamsBase, HeaderParams>[];

/** Compiles only when the list has every body parameter of the SDK's type (`satisfies` refuses extra ones). */
type AllOf<Missing extends never> = Missing;
export type AnthropicMessagesParamsComplete = AllOf<
  Exclude<keyof MessageCreateParamsBase, HeaderParams | (typeof ANTHROPIC_MESSAGES_PARAMS)[number]>
>;

/**
 * The API version before 2026-10-21, which still took the sampling parameters (temperature in 0..1). The fake
 * accepts for it the fields above plus SAMPLING_PARAMS; any other version is taken as 2026-10-21.
 */
export const SAMPLING_API_VERSION = "2023-06-01";

/** Removed by API version 2026-10-21 (the SDK's types no longer have them): there, even temperature 1 is a 400. */
export const SAMPLING_PARAMS = ["temperature", "top_p", "top_k"] as const;

/**
 * Every top-level field of a token counting request body (`MessageCountTokensParams`, less its header params):
 * anything else is a 400 "X: Extra inputs are not permitted". When the SDK changes them, `tsc` fails here.
 */
export const ANTHROPIC_COUNT_TOKENS_PARAMS = [
  "messages",
  "model",
  "cache_control",
  "output_config",
  "speed",
  "system",
  "thinking",
  "tool_choice",
  "tools",
] as const satisfies readonly Exclude<keyof MessageCountTokensParams, HeaderParams>[];

export type AnthropicCountTokensParamsComplete = AllOf<
  Exclude<keyof MessageCountTokensParams, HeaderParams | (typeof ANTHROPIC_COUNT_TOKENS_PARAMS)[number]>
>;
