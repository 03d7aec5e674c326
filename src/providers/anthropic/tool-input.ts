import { GatewayError } from "../../errors/gateway-error.js";
import type { FinishReason } from "../types.js";

/**
 * An OpenAI tool call's `arguments` as Anthropic's tool_use `input`: a JSON object, `{}` for no arguments
 * (an empty string, as some hosts send for a tool without parameters); undefined when they are not a JSON object.
 */
export function parseToolInput(args: string): Record<string, unknown> | undefined {
  if (args.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return undefined;
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
}

/**
 * Whether the upstream cut the answer (max tokens, or a content filter): a tool call's arguments may then be
 * unfinished, which is no fault of the upstream.
 */
export function answerWasCut(finishReason: FinishReason | undefined): boolean {
  return finishReason === "length" || finishReason === "content_filter";
}

/**
 * The error for tool arguments that are not a JSON object, in an answer that was not cut (answerWasCut). Anthropic
 * clients never see such an input from Anthropic and have no way to handle one; a 502 (`api_error`, which the
 * Anthropic SDK and agents retry) is the failure they know, and inventing an input would run the tool wrongly.
 */
export function malformedToolArguments(provider: string, name: string): GatewayError {
  return malformedAnswer(provider, `the arguments of its call of tool '${name}' are not a JSON object`);
}

/** A 502 for an upstream answer that breaks the OpenAI format (or cannot be an Anthropic answer). */
export function malformedAnswer(provider: string, what: string): GatewayError {
  return new GatewayError("upstream_error", `Provider '${provider}' sent a malformed answer: ${what}.`);
}
