import type { Routing } from "../pipeline/answer.js";

/** What the router decided, as response headers (on streams too): Runestone's metadata, whatever the body's shape. */
export function routingHeaders(routing: Routing): Record<string, string> {
  return {
    "x-runestone-provider": routing.provider,
    "x-runestone-model": routing.model,
    "x-runestone-attempts": String(routing.attempts),
    "x-runestone-routing-policy": routing.policy,
  };
}
