import { echoAnswer, WEATHER_TOOL_ARGUMENTS, wantsWeatherTool } from "./echo-model.js";
import { isRecord } from "./json-guards.js";
import type { OpenAiCompletionOptions } from "./openai-answer-spec.js";
import { openaiCompletion } from "./openai-completion.js";
import {
  firstOpenAiToolName,
  lastOpenAiUserMessage,
  openaiContentText,
  openaiImageCount,
  openaiMessages,
  openaiPromptText,
} from "./openai-request-reading.js";
import { openaiStream } from "./openai-stream.js";
import type { Scenario } from "./scenario.js";
import { estimatePromptTokens } from "./token-estimates.js";

function weatherToolToCall(body: Record<string, unknown>): string | undefined {
  const toolName = firstOpenAiToolName(body);
  const lastMessage = openaiMessages(body).at(-1);
  const callsTool =
    toolName !== undefined &&
    body.tool_choice !== "none" &&
    wantsWeatherTool(lastMessage?.role === "user", openaiContentText(lastMessage?.content));
  return callsTool ? toolName : undefined;
}

function answerOptions(body: Record<string, unknown>): OpenAiCompletionOptions {
  const model = String(body.model); // validated before any answer is chosen
  const usage = { prompt_tokens: estimatePromptTokens(openaiPromptText(body)) };
  const toolName = weatherToolToCall(body);
  if (toolName !== undefined) {
    return { model, usage, toolCalls: [{ name: toolName, arguments: WEATHER_TOOL_ARGUMENTS }] };
  }
  const userMessage = lastOpenAiUserMessage(body);
  const content = echoAnswer(openaiContentText(userMessage?.content), openaiImageCount(userMessage?.content));
  return { model, usage, content };
}

/** How the fake answers a valid chat completion request nobody scripted. */
export function openaiDefaultAnswer(body: Record<string, unknown>): Scenario {
  const options = answerOptions(body);
  if (body.stream !== true) return { kind: "json", body: openaiCompletion(options) };
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  return {
    kind: "sse",
    events: openaiStream({
      ...options,
      includeUsage: streamOptions.include_usage === true,
      includeObfuscation: streamOptions.include_obfuscation !== false,
    }),
  };
}
