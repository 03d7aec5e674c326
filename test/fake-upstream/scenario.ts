import type { IncomingHttpHeaders } from "node:http";

/** Which real API a request was addressed to. */
export type Provider = "openai" | "anthropic";

/**
 * One Server-Sent Event. Object data is JSON-encoded; string data is sent as-is
 * (e.g. OpenAI's `[DONE]` sentinel). Without `event` only a `data:` line is sent.
 */
export interface SseEvent {
  event?: string;
  data: string | object;
}

/** Answer with a JSON body (a string body is sent verbatim, e.g. to send malformed JSON). */
export interface JsonScenario {
  kind: "json";
  body: unknown;
  status?: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** Answer with an event stream, optionally failing part-way. */
export interface SseScenario {
  kind: "sse";
  events: SseEvent[];
  status?: number;
  headers?: Record<string, string>;
  delayBeforeHeadersMs?: number;
  delayBetweenMs?: number;
  /** Destroy the socket after this many events: no clean end of the chunked body. */
  resetAfterEvents?: number;
  /** Stop sending after this many events but keep the socket open until the client leaves. */
  hangAfterEvents?: number;
}

/**
 * Answer with the provider's real error body for `status`. Fields left out get the
 * provider's usual values for that status. `type` is Anthropic's `error.type` or
 * OpenAI's `error.type`; `param` and `code` exist only on OpenAI errors.
 */
export interface ErrorScenario {
  kind: "error";
  status: number;
  message?: string;
  type?: string;
  param?: string | null;
  code?: string | null;
  /** Sets the `retry-after` header (seconds, as the real APIs send it). */
  retryAfter?: string;
  /** Sets the `retry-after-ms` header, which both official SDKs honour. */
  retryAfterMs?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** Destroy the connection with a TCP reset before sending anything. */
export interface ResetScenario {
  kind: "reset";
}

/** Never answer; the request stays open until the client gives up. */
export interface HangScenario {
  kind: "hang";
}

export type Scenario = JsonScenario | SseScenario | ErrorScenario | ResetScenario | HangScenario;

export interface RecordedRequest {
  provider: Provider;
  method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string;
  /** Path with the query string, as received. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; `{}` when there was no body or it was not a JSON object. */
  body: Record<string, unknown>;
  rawBody: string;
}

/** Returns the scenario for a request, or undefined to let older handlers / the default answer. */
export type ScenarioHandler = (request: RecordedRequest) => Scenario | undefined;
