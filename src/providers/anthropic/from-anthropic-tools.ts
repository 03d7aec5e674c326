import type { MessageCreateParamsBase, Tool, ToolUnion } from "@anthropic-ai/sdk/resources/messages";
import type { components } from "../../../generated/openapi.js";
import { invalidRequest } from "../../errors/gateway-error.js";
import type { ChatRequest } from "../types.js";
import { untranslatable } from "./untranslatable.js";

type Schemas = components["schemas"];

export type OpenAIToolConfig = Pick<ChatRequest, "tools" | "tool_choice" | "parallel_tool_calls">;

/**
 * Anthropic's `tools` and `tool_choice` as OpenAI's `tools`, `tool_choice` and `parallel_tool_calls`:
 * - a custom tool (name, description, input_schema) → a function tool, `input_schema` as `parameters`, `strict`
 *   kept (both APIs then hold the model to the schema). `cache_control`, `input_examples`, `defer_loading`,
 *   `allowed_callers` and `eager_input_streaming` only tune how Anthropic serves the tool, and are dropped;
 * - Anthropic's own tools (bash, text editor, computer, memory, web search and fetch, code execution, tool
 *   search…) are defined by Anthropic, not by their schema in the request: refused, at `tools[i]`;
 * - `auto` → auto, `any` → required, `tool` → that named function, `none` → none;
 *   `disable_parallel_tool_use: true` → `parallel_tool_calls: false`;
 * - a tool_choice without tools: `auto` and `none` are dropped, `any` and `tool` are refused (Anthropic refuses
 *   them too); a `tool` choice naming no tool of the request is refused.
 */
export function fromAnthropicTools(request: Pick<MessageCreateParamsBase, "tools" | "tool_choice">): OpenAIToolConfig {
  const tools = (request.tools ?? []).map(toFunctionTool);
  const choice = request.tool_choice;
  if (tools.length === 0) {
    if (choice?.type === "any" || choice?.type === "tool") {
      throw invalidRequest(`tool_choice '${choice.type}' needs tools, and the request has none.`, "tool_choice");
    }
    return {};
  }
  const config: OpenAIToolConfig = { tools };
  if (choice === undefined) return config;
  if (choice.type !== "none" && choice.disable_parallel_tool_use === true) config.parallel_tool_calls = false;
  switch (choice.type) {
    case "auto":
      config.tool_choice = "auto";
      break;
    case "any":
      config.tool_choice = "required";
      break;
    case "none":
      config.tool_choice = "none";
      break;
    case "tool":
      if (!tools.some((tool) => tool.function.name === choice.name)) {
        throw invalidRequest(`tool_choice names '${choice.name}', which is not one of the tools.`, "tool_choice.name");
      }
      config.tool_choice = { type: "function", function: { name: choice.name } };
      break;
  }
  return config;
}

function isCustomTool(tool: ToolUnion): tool is Tool {
  return tool.type === undefined || tool.type === null || tool.type === "custom";
}

function toFunctionTool(tool: ToolUnion, i: number): Schemas["Tool"] {
  if (!isCustomTool(tool)) {
    throw untranslatable(
      `Tool type '${tool.type}' is one of Anthropic's own tools, which only Claude models run; ` +
        "other models take custom tools (name, description, input_schema).",
      `tools[${i}]`,
    );
  }
  const fn: Schemas["FunctionDefinition"] = { name: tool.name, parameters: { ...tool.input_schema } };
  if (tool.description !== undefined) fn.description = tool.description;
  if (tool.strict !== undefined) fn.strict = tool.strict;
  return { type: "function", function: fn };
}
