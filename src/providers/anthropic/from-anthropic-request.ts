import type { MessageCreateParamsBase } from "@anthropic-ai/sdk/resources/messages";
import { GATEWAY_FIELDS, type GatewayField } from "../../../generated/gateway-fields.js";
import type { ChatRequest } from "../types.js";
import { fromAnthropicMessages } from "./from-anthropic-messages.js";
import { fromAnthropicTools } from "./from-anthropic-tools.js";
import { untranslatable } from "./untranslatable.js";

/**
 * The sampling parameters of API version 2023-06-01, which clients pinned to that version still send (the
 * SDK's own types, for version 2026-10-21, no longer have them; see sampling.ts).
 */
export interface LegacySamplingParams {
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
}

type RunestoneField = GatewayField<"ChatCompletionRequest">;

/** A Messages API request as a client sends it to Runestone: Anthropic's fields, and Runestone's own. */
export type AnthropicMessagesRequest = MessageCreateParamsBase &
  LegacySamplingParams &
  Partial<Pick<ChatRequest, RunestoneField>>;

/** OpenAI's chat API takes at most this many stop sequences. */
export const MAX_OPENAI_STOP_SEQUENCES = 4;

/** The name OpenAI's `json_schema` response_format needs, for Anthropic's nameless `output_config.format`. */
export const STRUCTURED_OUTPUT_NAME = "structured_output";

/** Fields whose effect no other provider can give: refused rather than ignored. */
const CLAUDE_ONLY_FIELDS: Readonly<Record<string, string>> = {
  container: "Code execution containers exist only for Claude models.",
  inference_geo: "The inference region can only be chosen for Claude models.",
  mcp_servers: "MCP servers are connected by Anthropic's API, for Claude models only.",
};

/**
 * A Messages API request as an OpenAI chat request, for an OpenAI or OpenAI-compatible model. Translated:
 * - system, messages, tools and tool_choice (from-anthropic-messages.ts, from-anthropic-tools.ts);
 * - max_tokens → max_completion_tokens (0, which only warms Anthropic's prompt cache, is refused);
 * - stop_sequences → stop (more than OpenAI's 4 are refused: dropping some would let the answer run past them);
 * - temperature and top_p as they are (Anthropic's 0..1 means the same in OpenAI's 0..2);
 * - metadata.user_id → user; output_config.format (a JSON schema) → a strict json_schema response_format;
 * - stream → stream, with stream_options.include_usage so that the answer's usage reaches the client;
 * - Runestone's own routing fields (provider, tenant_id…) are kept for the gateway.
 * Dropped, because no OpenAI-compatible equivalent exists and the answer stays a correct answer without them:
 * top_k; thinking and output_config.effort (reasoning_effort would be a 400 from non-reasoning models and most
 * OpenAI-compatible hosts, and chat completions return no reasoning to show); cache_control, anywhere (OpenAI
 * caches prompts by itself); service_tier, speed and diagnostics (serving hints).
 * Refused: container, inference_geo and mcp_servers (Claude-only), and whatever the messages and tools hold
 * that cannot be translated.
 *
 * @throws GatewayError (400 invalid_request_error, with `param`) for what cannot be translated.
 */
export function fromAnthropicRequest(request: AnthropicMessagesRequest): ChatRequest {
  const fields: Readonly<Record<string, unknown>> = { ...request };
  for (const [field, why] of Object.entries(CLAUDE_ONLY_FIELDS)) {
    if (fields[field] != null) throw untranslatable(why, field);
  }
  if (request.max_tokens < 1) {
    throw untranslatable(
      "Must be at least 1 for this model: a max_tokens of 0 warms Claude's prompt cache.",
      "max_tokens",
    );
  }

  const chat: ChatRequest = {
    model: request.model,
    messages: fromAnthropicMessages(request.system, request.messages),
    max_completion_tokens: request.max_tokens,
    ...fromAnthropicTools(request),
  };

  const stop = request.stop_sequences ?? [];
  if (stop.length > MAX_OPENAI_STOP_SEQUENCES) {
    throw untranslatable(
      `This model takes at most ${MAX_OPENAI_STOP_SEQUENCES} stop sequences; the request has ${stop.length}.`,
      "stop_sequences",
    );
  }
  if (stop.length > 0) chat.stop = [...stop];

  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  const userId = request.metadata?.user_id;
  if (typeof userId === "string" && userId !== "") chat.user = userId;

  const format = request.output_config?.format;
  if (format != null) {
    chat.response_format = {
      type: "json_schema",
      json_schema: { name: STRUCTURED_OUTPUT_NAME, schema: format.schema, strict: true },
    };
  }

  if (request.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }

  for (const field of GATEWAY_FIELDS.ChatCompletionRequest) {
    if (fields[field] !== undefined) (chat as Record<string, unknown>)[field] = fields[field];
  }
  return chat;
}
