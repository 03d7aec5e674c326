import type { IncomingHttpHeaders } from "node:http";

import type { Provider } from "./scenario.js";

export type Endpoint = "chat-completions" | "embeddings" | "messages" | "count-tokens" | "models" | "unknown";

export interface ResolvedEndpoint {
  provider: Provider;
  endpoint: Endpoint;
}

/** Anthropic's SDK always sends these; OpenAI's never does. */
function looksLikeAnthropicClient(headers: IncomingHttpHeaders): boolean {
  return headers["anthropic-version"] !== undefined || headers["x-api-key"] !== undefined;
}

export function resolveEndpoint(method: string, path: string, headers: IncomingHttpHeaders): ResolvedEndpoint {
  if (method === "POST" && path === "/v1/chat/completions") return { provider: "openai", endpoint: "chat-completions" };
  if (method === "POST" && path === "/v1/embeddings") return { provider: "openai", endpoint: "embeddings" };
  if (method === "POST" && path === "/v1/messages") return { provider: "anthropic", endpoint: "messages" };
  if (method === "POST" && path === "/v1/messages/count_tokens") {
    return { provider: "anthropic", endpoint: "count-tokens" };
  }
  // Both providers serve GET /v1/models; the headers tell them apart.
  const provider = looksLikeAnthropicClient(headers) ? "anthropic" : "openai";
  return { provider, endpoint: method === "GET" && path === "/v1/models" ? "models" : "unknown" };
}
