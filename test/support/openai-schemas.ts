import { Ajv, type ValidateFunction } from "ajv";

/**
 * The parts of OpenAI's own published OpenAPI schema (CreateChatCompletionResponse and
 * CreateChatCompletionStreamResponse) that OpenAI clients rely on, with OpenAI's `required` lists: a response
 * can satisfy Runestone's spec and still break an OpenAI SDK if, say, `message.refusal` or `choice.logprobs` is
 * missing, or `created` is not an integer.
 *
 *   expect(validateAgainstOpenAI("ChatCompletionChunk", chunk)).toEqual([]);
 */

const toolCall = {
  type: "object",
  required: ["id", "type", "function"],
  properties: {
    id: { type: "string" },
    type: { enum: ["function"] },
    function: {
      type: "object",
      required: ["name", "arguments"],
      properties: { name: { type: "string" }, arguments: { type: "string" } },
    },
  },
};

const usage = {
  type: "object",
  required: ["prompt_tokens", "completion_tokens", "total_tokens"],
  properties: {
    prompt_tokens: { type: "integer", minimum: 0 },
    completion_tokens: { type: "integer", minimum: 0 },
    total_tokens: { type: "integer", minimum: 0 },
    prompt_tokens_details: {
      type: "object",
      properties: { cached_tokens: { type: "integer", minimum: 0 }, audio_tokens: { type: "integer", minimum: 0 } },
    },
    completion_tokens_details: {
      type: "object",
      properties: { reasoning_tokens: { type: "integer", minimum: 0 }, audio_tokens: { type: "integer", minimum: 0 } },
    },
  },
};

const finishReason = { enum: ["stop", "length", "tool_calls", "content_filter", "function_call"] };
const logprobs = {
  type: ["object", "null"],
  required: ["content", "refusal"],
  properties: { content: { type: ["array", "null"] }, refusal: { type: ["array", "null"] } },
};

const SCHEMAS = {
  ChatCompletion: {
    type: "object",
    required: ["id", "object", "created", "model", "choices"],
    properties: {
      id: { type: "string" },
      object: { const: "chat.completion" },
      created: { type: "integer" },
      model: { type: "string" },
      system_fingerprint: { type: "string" },
      service_tier: { type: ["string", "null"] },
      usage,
      choices: {
        type: "array",
        items: {
          type: "object",
          required: ["finish_reason", "index", "message", "logprobs"],
          properties: {
            finish_reason: finishReason,
            index: { type: "integer" },
            logprobs,
            message: {
              type: "object",
              required: ["content", "refusal", "role"],
              properties: {
                content: { type: ["string", "null"] },
                refusal: { type: ["string", "null"] },
                role: { const: "assistant" },
                tool_calls: { type: "array", items: toolCall },
              },
            },
          },
        },
      },
    },
  },
  ChatCompletionChunk: {
    type: "object",
    required: ["id", "object", "created", "model", "choices"],
    properties: {
      id: { type: "string" },
      object: { const: "chat.completion.chunk" },
      created: { type: "integer" },
      model: { type: "string" },
      system_fingerprint: { type: "string" },
      service_tier: { type: ["string", "null"] },
      usage: { anyOf: [{ type: "null" }, usage] },
      choices: {
        type: "array",
        items: {
          type: "object",
          required: ["delta", "finish_reason", "index"],
          properties: {
            index: { type: "integer" },
            finish_reason: { anyOf: [{ type: "null" }, finishReason] },
            logprobs,
            delta: {
              type: "object",
              properties: {
                role: { enum: ["developer", "system", "user", "assistant", "tool"] },
                content: { type: ["string", "null"] },
                refusal: { type: ["string", "null"] },
                tool_calls: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["index"],
                    properties: {
                      index: { type: "integer" },
                      id: { type: "string" },
                      type: { enum: ["function"] },
                      function: {
                        type: "object",
                        properties: { name: { type: "string" }, arguments: { type: "string" } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

export type OpenAISchemaName = keyof typeof SCHEMAS;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = new Map<OpenAISchemaName, ValidateFunction>();

/** Errors of `value` against OpenAI's published schema for `name`; [] when valid. */
export function validateAgainstOpenAI(name: OpenAISchemaName, value: unknown): string[] {
  let validate = validators.get(name);
  if (validate === undefined) {
    validate = ajv.compile(SCHEMAS[name]);
    validators.set(name, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "(root)"} ${error.message ?? error.keyword}`);
}
