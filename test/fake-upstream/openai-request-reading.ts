import { isRecord, recordsIn, stringOrUndefined } from "./json-guards.js";

/** The text of a message `content`: a string, or the `text` parts of a content-part array. */
export function openaiContentText(content: unknown): string {
  if (typeof content === "string") return content;
  return recordsIn(content)
    .filter((part) => part.type === "text")
    .map((part) => stringOrUndefined(part.text) ?? "")
    .join("\n");
}

export function openaiImageCount(content: unknown): number {
  return recordsIn(content).filter((part) => part.type === "image_url").length;
}

export function openaiMessages(body: Record<string, unknown>): Record<string, unknown>[] {
  return recordsIn(body.messages);
}

export function lastOpenAiUserMessage(body: Record<string, unknown>): Record<string, unknown> | undefined {
  return [...openaiMessages(body)].reverse().find((message) => message.role === "user");
}

/** All prompt text, for the usage estimate. */
export function openaiPromptText(body: Record<string, unknown>): string {
  return openaiMessages(body)
    .map((message) => openaiContentText(message.content))
    .join("\n");
}

export function firstOpenAiToolName(body: Record<string, unknown>): string | undefined {
  const [firstTool] = recordsIn(body.tools);
  return isRecord(firstTool?.function) ? stringOrUndefined(firstTool.function.name) : undefined;
}
