import type { SseEvent } from "./scenario.js";

/** Frames one event as `event: <type>\ndata: <payload>\n\n` (the `event:` line only when named). */
export function formatSseEvent({ event, data }: SseEvent): string {
  const payload = typeof data === "string" ? data : JSON.stringify(data);
  // The SSE grammar forbids raw newlines inside a data line; each line needs its own prefix.
  const dataLines = payload
    .split("\n")
    .map((line) => `data: ${line}`)
    .join("\n");
  return `${event === undefined ? "" : `event: ${event}\n`}${dataLines}\n\n`;
}
