import type { Routing } from "../chat/chat-answer.js";

/** What the router decided, as response headers (on streams too). */
export function routingHeaders(routing: Routing): Record<string, string> {
  return {
    "x-runestone-provider": routing.provider,
    "x-runestone-model": routing.model,
    "x-runestone-attempts": String(routing.attempts),
  };
}
