import type { AnthropicMessageOptions } from "./anthropic-answer-spec.js";
import { anthropicMessage } from "./anthropic-message.js";
import {
  anthropicImageCount,
  anthropicMessages,
  anthropicPromptText,
  anthropicText,
  firstAnthropicToolName,
  lastAnthropicUserTurn,
} from "./anthropic-request-reading.js";
import { anthropicStream } from "./anthropic-stream.js";
import { echoAnswer, WEATHER_TOOL_ARGUMENTS, wantsWeatherTool } from "./echo-model.js";
import { isRecord } from "./json-guards.js";
import type { Scenario } from "./scenario.js";
import { estimatePromptTokens } from "./token-estimates.js";

function weatherToolToCall(body: Record<string, unknown>): string | undefined {
  const toolName = firstAnthropicToolName(body);
  const lastMessage = anthropicMessages(body).at(-1);
  const toolChoiceIsNone = isRecord(body.tool_choice) && body.tool_choice.type === "none";
  const callsTool =
    toolName !== undefined &&
    !toolChoiceIsNone &&
    wantsWeatherTool(lastMessage?.role === "user", anthropicText(lastMessage?.content));
  return callsTool ? toolName : undefined;
}

function answerOptions(body: Record<string, unknown>): AnthropicMessageOptions {
  const model = String(body.model); // validated before any answer is chosen
  const usage = { input_tokens: estimatePromptTokens(anthropicPromptText(body)) };
  const toolName = weatherToolToCall(body);
  if (toolName !== undefined) {
    return { model, usage, toolUses: [{ name: toolName, input: WEATHER_TOOL_ARGUMENTS }] };
  }
  const userTurn = lastAnthropicUserTurn(body);
  const text = echoAnswer(anthropicText(userTurn?.content), anthropicImageCount(userTurn?.content));
  return { model, usage, text };
}

/** How the fake answers a valid Messages request nobody scripted. */
export function anthropicDefaultAnswer(body: Record<string, unknown>): Scenario {
  const options = answerOptions(body);
  return body.stream === true
    ? { kind: "sse", events: anthropicStream(options) }
    : { kind: "json", body: anthropicMessage(options) };
}
