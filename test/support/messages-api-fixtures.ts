import { readFileSync } from "node:fs";
import type {
  ChatCompletion as SdkCompletion,
  ChatCompletionChunk as SdkChunk,
} from "openai/resources/chat/completions";
import type { AnthropicMessagesRequest } from "../../src/providers/anthropic/from-anthropic-request.js";
import { fromOpenAIChunk, fromOpenAIResponse } from "../../src/providers/openai/from-openai-response.js";
import type { Completion, CompletionChunk } from "../../src/providers/types.js";
import { parseSse } from "./sse.js";

/**
 * test/fixtures/messages-api: Anthropic Messages API requests as clients send them (`<name>.request.json`), and
 * what OpenAI-compatible upstreams answer (`<name>.completion.json`, `<name>.openai.sse`), each with what the
 * translation must give (`*.expected.json`).
 */
const FIXTURES = new URL("../fixtures/messages-api/", import.meta.url);

export function readMessagesApiFixture(file: string): string {
  return readFileSync(new URL(file, FIXTURES), "utf8");
}

export function readMessagesApiJson(file: string): unknown {
  return JSON.parse(readMessagesApiFixture(file));
}

/** `<name>.request.json`: a Messages API request body. */
export function loadMessagesRequest(name: string): AnthropicMessagesRequest {
  return readMessagesApiJson(`${name}.request.json`) as AnthropicMessagesRequest;
}

/** `<name>.completion.json`, as the OpenAI provider hands it on (fromOpenAIResponse fills what hosts leave out). */
export function loadOpenAICompletion(name: string): Completion {
  return fromOpenAIResponse(readMessagesApiJson(`${name}.completion.json`) as SdkCompletion);
}

/**
 * The chunks of `<name>.openai.sse` (OpenAI's framing: `data: <json>` events, then `data: [DONE]`), as the OpenAI
 * provider hands them on (fromOpenAIChunk). A fixture without `[DONE]` is a stream that was cut.
 */
export function loadOpenAIChunks(name: string): CompletionChunk[] {
  const chunks: CompletionChunk[] = [];
  for (const { data } of parseSse(readMessagesApiFixture(`${name}.openai.sse`))) {
    if (data === "[DONE]") break;
    chunks.push(fromOpenAIChunk(JSON.parse(data) as SdkChunk));
  }
  return chunks;
}
