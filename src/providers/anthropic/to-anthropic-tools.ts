import type { Tool, ToolChoice, ToolUnion } from "@anthropic-ai/sdk/resources/messages";
import type { components } from "../../../generated/openapi.js";
import { invalidRequest } from "../../errors/gateway-error.js";
import type { ChatRequest } from "../types.js";
import { jsonResponseTool } from "./json-response-tool.js";

type Schemas = components["schemas"];

export interface AnthropicToolConfig {
  tools?: ToolUnion[];
  tool_choice?: ToolChoice;
}

/**
 * `tools`, `tool_choice`, `parallel_tool_calls` and a JSON `response_format` as Anthropic's `tools` and
 * `tool_choice`:
 * - function tools keep name and description; `parameters` becomes `input_schema` (an object schema; no
 *   parameters = no properties). `strict` is not forwarded: Anthropic's strict tool mode rejects schemas that
 *   OpenAI's non-strict mode accepts, so forwarding it would turn working requests into 400s;
 * - `auto` → auto, `required` → any, a named function → tool, `none` → none;
 * - `parallel_tool_calls: false` → `disable_parallel_tool_use: true` on that choice (on `auto` when none was given);
 * - a tool_choice without tools: `none` and `auto` are dropped, `required` and a named function are an error;
 * - a JSON response_format adds its tool (see json-response-tool.ts). Without tools of the client's own (or with
 *   `tool_choice: "none"`) that tool is forced, alone; with them the choice becomes `any`, so the model either
 *   calls one of the client's tools or answers through the JSON tool; a named tool_choice is kept as it is.
 */
export function toAnthropicTools(request: ChatRequest): AnthropicToolConfig {
  const tools: Tool[] = (request.tools ?? []).map((tool, i) => toTool(tool.function, i));
  const names = new Set(tools.map((tool) => tool.name));
  const parallel = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  const choice = request.tool_choice;

  const jsonTool = jsonResponseTool(request);
  if (jsonTool !== undefined) {
    if (names.has(jsonTool.name)) {
      throw invalidRequest(
        `The JSON response_format is answered through a tool named '${jsonTool.name}', ` +
          "which is also the name of one of the tools; rename one of them.",
        request.response_format?.type === "json_schema" ? "response_format.json_schema.name" : "response_format",
      );
    }
    const all: ToolUnion[] = [...tools, jsonTool];
    if (tools.length === 0 || choice === "none") {
      return { tools: all, tool_choice: { type: "tool", name: jsonTool.name, disable_parallel_tool_use: true } };
    }
    if (typeof choice === "object") return { tools: all, tool_choice: namedChoice(choice, names, parallel) };
    return { tools: all, tool_choice: { type: "any", ...parallel } };
  }

  if (tools.length === 0) {
    if (choice === "required" || typeof choice === "object") {
      throw invalidRequest("tool_choice requires a function from tools, and the request has no tools.", "tool_choice");
    }
    return {};
  }
  if (choice === undefined) {
    return request.parallel_tool_calls === false ? { tools, tool_choice: { type: "auto", ...parallel } } : { tools };
  }
  if (choice === "none") return { tools, tool_choice: { type: "none" } };
  if (choice === "auto") return { tools, tool_choice: { type: "auto", ...parallel } };
  if (choice === "required") return { tools, tool_choice: { type: "any", ...parallel } };
  return { tools, tool_choice: namedChoice(choice, names, parallel) };
}

function namedChoice(
  choice: Schemas["NamedToolChoice"],
  names: ReadonlySet<string>,
  parallel: { disable_parallel_tool_use?: boolean },
): ToolChoice {
  const { name } = choice.function;
  if (!names.has(name))
    throw invalidRequest(`tool_choice names '${name}', which is not one of the tools.`, "tool_choice");
  return { type: "tool", name, ...parallel };
}

function toTool(fn: Schemas["FunctionDefinition"], i: number): Tool {
  const { parameters } = fn;
  if (parameters !== undefined && parameters.type !== undefined && parameters.type !== "object") {
    throw invalidRequest(
      "Anthropic tools take an object of arguments: parameters must have type 'object'.",
      `tools[${i}].function.parameters`,
    );
  }
  return {
    name: fn.name,
    ...(fn.description !== undefined ? { description: fn.description } : {}),
    input_schema: parameters === undefined ? { type: "object", properties: {} } : { ...parameters, type: "object" },
  };
}
