import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import { invalidRequest } from "../../errors/gateway-error.js";
import type { ChatRequest } from "../types.js";

/**
 * Anthropic has no `response_format`. A JSON answer is asked for the way Anthropic documents it: a tool whose
 * input schema is the wanted schema, forced with `tool_choice`. The model's input to that tool is then handed to
 * the client as the message's text content, with `finish_reason: "stop"`.
 *
 * Request and response sides agree on that tool through `jsonResponseToolName(request)` — an explicit value the
 * caller passes to both, never state kept between calls.
 *
 * When forced, the tool is forced with `disable_parallel_tool_use` so there is exactly one JSON answer. The
 * schema's `strict` is not forwarded (see to-anthropic-tools.ts). Anthropic's own structured outputs
 * (`output_config.format`) would be the alternative to a forced tool.
 */

/** The tool's name for `response_format: {type: "json_object"}` (no schema, no name of the client's own). */
export const JSON_OBJECT_TOOL_NAME = "json_response";

const DEFAULT_DESCRIPTION = "Respond with your final answer as a JSON object by calling this tool.";

/** The name of the tool that carries the JSON answer, or undefined when the client did not ask for JSON. */
export function jsonResponseToolName(request: ChatRequest): string | undefined {
  const format = request.response_format;
  if (format?.type === "json_schema") return format.json_schema.name;
  if (format?.type === "json_object") return JSON_OBJECT_TOOL_NAME;
  return undefined;
}

/** The Anthropic tool that carries the JSON answer, or undefined when the client did not ask for JSON. */
export function jsonResponseTool(request: ChatRequest): Tool | undefined {
  const format = request.response_format;
  if (format?.type === "json_object") {
    return {
      name: JSON_OBJECT_TOOL_NAME,
      description: DEFAULT_DESCRIPTION,
      input_schema: { type: "object", additionalProperties: true },
    };
  }
  if (format?.type !== "json_schema") return undefined;
  const { name, description, schema } = format.json_schema;
  if (schema !== undefined && schema.type !== undefined && schema.type !== "object") {
    // Anthropic tool inputs are JSON objects (OpenAI's strict structured outputs need an object root too).
    throw invalidRequest(
      "Anthropic can only produce a JSON object: response_format.json_schema.schema must have type 'object'.",
      "response_format.json_schema.schema",
    );
  }
  return {
    name,
    description: description ?? DEFAULT_DESCRIPTION,
    input_schema: { ...schema, type: "object" },
  };
}
