export { startFakeUpstream, type FakeUpstream, type FakeUpstreamOptions } from "./fake-upstream.js";
export type {
  ErrorScenario,
  HangScenario,
  JsonScenario,
  Provider,
  RecordedRequest,
  ResetScenario,
  Scenario,
  ScenarioHandler,
  SseEvent,
  SseScenario,
} from "./scenario.js";

export { openaiCompletion } from "./openai-completion.js";
export { openaiStream, openaiStreamError } from "./openai-stream.js";
export { openaiErrorBody, type OpenAiErrorBody, type OpenAiErrorFields } from "./openai-errors.js";
export type {
  OpenAiCompletionOptions,
  OpenAiStreamOptions,
  OpenAiToolCallSpec,
  OpenAiUsageSpec,
} from "./openai-answer-spec.js";
export type * from "./openai-wire-types.js";

export { anthropicMessage } from "./anthropic-message.js";
export { anthropicStream } from "./anthropic-stream.js";
export {
  anthropicErrorBody,
  anthropicStreamError,
  type AnthropicErrorBody,
  type AnthropicErrorFields,
} from "./anthropic-errors.js";
export type {
  AnthropicMessageOptions,
  AnthropicStreamOptions,
  AnthropicToolUseSpec,
  AnthropicUsageSpec,
} from "./anthropic-answer-spec.js";
export type * from "./anthropic-wire-types.js";

export { formatSseEvent } from "./sse-format.js";
export { expectedEmbedding } from "./openai-embeddings.js";
export { WEATHER_TOOL_ARGUMENTS } from "./echo-model.js";
