import { recordsIn, stringOrUndefined } from "./json-guards.js";

/** Content blocks of a message; string content is shorthand for one text block. */
export function anthropicBlocks(content: unknown): Record<string, unknown>[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : recordsIn(content);
}

export function anthropicText(content: unknown): string {
  return anthropicBlocks(content)
    .filter((block) => block.type === "text")
    .map((block) => stringOrUndefined(block.text) ?? "")
    .join("\n");
}

export function anthropicImageCount(content: unknown): number {
  return anthropicBlocks(content).filter((block) => block.type === "image").length;
}

export function anthropicMessages(body: Record<string, unknown>): Record<string, unknown>[] {
  return recordsIn(body.messages);
}

/** A user turn that only carries tool results is the API's reply channel, not something the user said. */
export function isToolResultTurn(message: Record<string, unknown>): boolean {
  const blocks = anthropicBlocks(message.content);
  return blocks.length > 0 && blocks.every((block) => block.type === "tool_result");
}

export function lastAnthropicUserTurn(body: Record<string, unknown>): Record<string, unknown> | undefined {
  return [...anthropicMessages(body)]
    .reverse()
    .find((message) => message.role === "user" && !isToolResultTurn(message));
}

function toolResultText(block: Record<string, unknown>): string {
  return anthropicText(block.content);
}

/** All prompt text (system prompt, turns, tool results), for the usage estimate. */
export function anthropicPromptText(body: Record<string, unknown>): string {
  const system = anthropicText(body.system);
  const turns = anthropicMessages(body).flatMap((message) =>
    anthropicBlocks(message.content).map((block) =>
      block.type === "tool_result" ? toolResultText(block) : (stringOrUndefined(block.text) ?? ""),
    ),
  );
  return [system, ...turns].filter((text) => text !== "").join("\n");
}

export function firstAnthropicToolName(body: Record<string, unknown>): string | undefined {
  const [firstTool] = recordsIn(body.tools);
  return stringOrUndefined(firstTool?.name);
}
