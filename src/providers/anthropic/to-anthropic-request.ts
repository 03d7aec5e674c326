import type { MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import { invalidRequest } from "../../errors/gateway-error.js";
import { type UpstreamRequest, withoutRunestoneFields } from "../runestone-fields.js";
import type { ChatRequest } from "../types.js";
import { samplingParams, type SamplingParams } from "./sampling.js";
import { toAnthropicMessages } from "./to-anthropic-messages.js";
import { toAnthropicTools } from "./to-anthropic-tools.js";

export interface ToAnthropicRequestOptions {
  /** The upstream model id (already resolved from aliases and `provider/` prefixes). */
  model: string;
  /** `max_tokens` when the client gave neither `max_completion_tokens` nor `max_tokens` (Anthropic requires one). */
  defaultMaxTokens: number;
  /**
   * Send temperature/top_p (see sampling.ts). Off by default: the API version the SDK speaks (2026-10-21)
   * rejects them, so sending them would turn every request that sets a temperature into a 400.
   */
  sendSamplingParameters?: boolean;
}

/** Messages params, plus the sampling parameters of API version 2023-06-01 when asked for. */
export type AnthropicRequestParams = MessageCreateParamsNonStreaming & SamplingParams;

/**
 * An OpenAI chat request as Anthropic Messages params; the caller adds `stream: true` to stream.
 *
 * Only what Anthropic understands is built here, field by field, from the request without Runestone's own fields
 * (withoutRunestoneFields): neither those nor unknown fields are ever sent.
 * Not supported upstream, so dropped: frequency_penalty, presence_penalty, seed, logit_bias, and — unless
 * `sendSamplingParameters` — temperature and top_p (see sampling.ts); stream_options is the gateway's business.
 * Refused, because the answer could not be what the client asked for: n > 1, logprobs, top_logprobs.
 *
 * @throws GatewayError (400 invalid_request_error, with `param`) for what cannot be translated.
 */
export function toAnthropicRequest(client: ChatRequest, options: ToAnthropicRequestOptions): AnthropicRequestParams {
  const request = withoutRunestoneFields("ChatCompletionRequest", client);
  rejectUnsupported(request);
  const { system, messages } = toAnthropicMessages(request.messages);
  const { tools, tool_choice } = toAnthropicTools(request);

  const params: AnthropicRequestParams = {
    model: options.model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? options.defaultMaxTokens,
    messages,
  };
  if (system.length > 0) params.system = system;
  if (tools !== undefined) params.tools = tools;
  if (tool_choice !== undefined) params.tool_choice = tool_choice;

  const stop = stopSequences(request.stop);
  if (stop.length > 0) params.stop_sequences = stop;

  if (options.sendSamplingParameters === true) Object.assign(params, samplingParams(request));

  if (typeof request.user === "string" && request.user !== "") params.metadata = { user_id: request.user };
  return params;
}

function rejectUnsupported(request: UpstreamRequest<"ChatCompletionRequest">): void {
  if (request.n != null && request.n > 1) {
    throw invalidRequest("Anthropic returns one choice per request: n must be 1.", "n");
  }
  if (request.logprobs === true) throw invalidRequest("Anthropic does not return log probabilities.", "logprobs");
  if (request.top_logprobs != null && request.top_logprobs > 0) {
    throw invalidRequest("Anthropic does not return log probabilities.", "top_logprobs");
  }
}

/** `stop` as a list; an empty sequence cannot match anything and is dropped. */
function stopSequences(stop: ChatRequest["stop"]): string[] {
  if (stop == null) return [];
  return (typeof stop === "string" ? [stop] : stop).filter((sequence) => sequence !== "");
}
