import type {
  ChatProvider,
  CompletionChunk,
  MessagesEvent,
  MessagesPayload,
  MessagesRequest,
  UpstreamCall,
} from "../types.js";
import { type AnthropicMessagesRequest, fromAnthropicRequest } from "./from-anthropic-request.js";
import { createAnthropicStreamEncoder } from "./to-anthropic-stream.js";
import { toAnthropicMessage } from "./to-anthropic-message.js";
import { untranslatable } from "./untranslatable.js";

/** The named fields of a type that also has an index signature. */
type KnownKeys<T> = keyof { [Key in keyof T as string extends Key ? never : Key]: T[Key] };

/**
 * Every field of the spec's MessagesRequest: what the translation reads, drops or refuses by name. A field outside
 * it (a newer API's) would be dropped unseen, so it is refused. When the spec gains or loses a field, `tsc` fails.
 */
const KNOWN_FIELDS = [
  "model",
  "max_tokens",
  "messages",
  "system",
  "tools",
  "tool_choice",
  "stop_sequences",
  "stream",
  "metadata",
  "thinking",
  "temperature",
  "top_p",
  "top_k",
  "output_config",
  "cache_control",
  "service_tier",
  "speed",
  "container",
  "inference_geo",
  "mcp_servers",
  "diagnostics",
  "provider",
  "tenant_id",
  "model_family",
  "capabilities",
  "max_cost_per_token",
  "request_id",
  "routing_policy",
  "callback_url",
] as const satisfies readonly KnownKeys<MessagesRequest>[];

/** Compiles only when KNOWN_FIELDS has every named field of MessagesRequest. */
type AllOf<Missing extends never> = Missing;
export type KnownFieldsComplete = AllOf<Exclude<KnownKeys<MessagesRequest>, (typeof KNOWN_FIELDS)[number]>>;

const KNOWN: ReadonlySet<string> = new Set(KNOWN_FIELDS);

/**
 * The Messages API on a provider that speaks chat completions only (OpenAI, OpenAI-compatible hosts): the request
 * translated by fromAnthropicRequest (what cannot be translated is a 400 `unsupported_value`), the answer re-framed
 * as a Message (toAnthropicMessage) or, streamed, as Anthropic's events (createAnthropicStreamEncoder: blocks with
 * increasing indices, parallel tool calls apart). The chat's usage, reported in a separate event, reaches the
 * encoder as OpenAI's last chunk carries it.
 *
 * @throws GatewayError as the chat call and the translations throw.
 */
export async function* messagesOverChat(
  provider: ChatProvider,
  { request, model, stream, signal }: UpstreamCall<MessagesPayload>,
): AsyncGenerator<MessagesEvent> {
  const unknown = Object.keys(request.body).find((field) => !KNOWN.has(field));
  if (unknown !== undefined) {
    throw untranslatable(
      `'${unknown}' is not a Messages API field this gateway can translate for this model.`,
      unknown,
    );
  }
  // The spec's MessagesRequest and the SDK's params describe the same wire format; the spec validated it.
  const chat = fromAnthropicRequest(request.body as unknown as AnthropicMessagesRequest);
  const events = provider.chat({ request: chat, model, stream, signal });
  if (!stream) {
    for await (const event of events) {
      if (event.type === "completion") yield toAnthropicMessage(event.completion, { provider: provider.name });
    }
    return;
  }
  const encoder = createAnthropicStreamEncoder({ provider: provider.name });
  let last: CompletionChunk | undefined;
  for await (const event of events) {
    if (event.type === "delta") {
      last = event.chunk;
      yield* encoder.push(event.chunk);
    } else if (event.type === "usage" && last !== undefined) {
      yield* encoder.push({ ...last, choices: [], usage: event.usage });
    }
  }
  yield* encoder.finish();
}
