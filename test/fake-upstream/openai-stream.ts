import { randomInt } from "node:crypto";

import { newChatCompletionId, newSystemFingerprint, randomAlphanumeric } from "./ids.js";
import {
  buildUsage,
  DEFAULT_ARGUMENT_FRAGMENTS,
  DEFAULT_OPENAI_MODEL,
  defaultFinishReason,
  generatedText,
  resolveToolCalls,
  type OpenAiStreamOptions,
} from "./openai-answer-spec.js";
import type {
  OpenAiChatCompletionChunk,
  OpenAiChunkDelta,
  OpenAiFinishReason,
  OpenAiToolCall,
  OpenAiUsage,
} from "./openai-wire-types.js";
import type { SseEvent } from "./scenario.js";
import { splitIntoPieces, splitIntoWordPieces } from "./text-pieces.js";

function toolCallDeltas(toolCalls: OpenAiToolCall[], argumentFragments: number): OpenAiChunkDelta[] {
  return toolCalls.flatMap((call, index) => [
    {
      tool_calls: [
        { index, id: call.id, type: "function" as const, function: { name: call.function.name, arguments: "" } },
      ],
    },
    ...splitIntoPieces(call.function.arguments, argumentFragments).map((fragment) => ({
      tool_calls: [{ index, function: { arguments: fragment } }],
    })),
  ]);
}

/** The `delta`s of one streamed answer, first (role) delta included, final empty delta excluded. */
function streamDeltas(options: OpenAiStreamOptions, toolCalls: OpenAiToolCall[]): OpenAiChunkDelta[] {
  const argumentFragments = options.splitArgsInto ?? DEFAULT_ARGUMENT_FRAGMENTS;
  if (options.refusal !== undefined) {
    return [
      { role: "assistant", content: null, refusal: "" },
      ...splitIntoWordPieces(options.refusal).map((piece) => ({ refusal: piece })),
    ];
  }
  const content = options.content ?? "";
  if (content === "" && toolCalls.length > 0) {
    // A tool-only answer announces the role together with the first call, content null.
    const [firstCallDelta, ...rest] = toolCallDeltas(toolCalls, argumentFragments);
    return [{ role: "assistant", content: null, ...firstCallDelta, refusal: null }, ...rest];
  }
  return [
    { role: "assistant", content: "", refusal: null },
    ...splitIntoWordPieces(content).map((piece) => ({ content: piece })),
    ...toolCallDeltas(toolCalls, argumentFragments),
  ];
}

/** A `chat.completion.chunk` stream in the real order, ending with `[DONE]`. */
export function openaiStream(options: OpenAiStreamOptions = {}): SseEvent[] {
  const toolCalls = resolveToolCalls(options.toolCalls);
  const envelope = {
    id: options.id ?? newChatCompletionId(),
    object: "chat.completion.chunk" as const,
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: options.model ?? DEFAULT_OPENAI_MODEL,
    service_tier: "default",
    system_fingerprint: newSystemFingerprint(),
  };
  const chunk = (
    choices: OpenAiChatCompletionChunk["choices"],
    usage: OpenAiUsage | null = null,
  ): OpenAiChatCompletionChunk => ({
    ...envelope,
    choices,
    ...(options.includeUsage ? { usage } : {}),
    ...(options.includeObfuscation ? { obfuscation: randomAlphanumeric(randomInt(1, 17)) } : {}),
  });
  const choice = (delta: OpenAiChunkDelta, finishReason: OpenAiFinishReason | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });

  const chunks = [
    ...streamDeltas(options, toolCalls).map((delta) => chunk([choice(delta)])),
    chunk([choice({}, options.finishReason ?? defaultFinishReason(toolCalls))]),
  ];
  if (options.includeUsage) chunks.push(chunk([], buildUsage(options.usage, generatedText(options, toolCalls))));
  return [...chunks.map((data): SseEvent => ({ data })), { data: "[DONE]" }];
}

/** An error delivered inside an already-started stream, as OpenAI sends it: a bare `data:` line. */
export function openaiStreamError(
  message = "The server had an error while processing your request. Sorry about that!",
  type = "server_error",
  code: string | null = null,
): SseEvent {
  return { data: { error: { message, type, param: null, code } } };
}
