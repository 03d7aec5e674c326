import type { ServerResponse } from "node:http";

import { errorBody, providerHeaders } from "./provider-conventions.js";
import type { ErrorScenario, JsonScenario, Provider, Scenario, SseScenario } from "./scenario.js";
import { formatSseEvent } from "./sse-format.js";
import { untilAborted, waitUnlessAborted } from "./waiting.js";

export interface PlaybackContext {
  provider: Provider;
  requestId: string;
  response: ServerResponse;
  /** Aborts when the response closes (client gone, or the fake shutting down). */
  closed: AbortSignal;
  /** To be called before the fake itself cuts the connection. */
  markClosedByServer(): void;
}

/** Resolves once the chunk reached the socket, or once the response closed (then no callback ever comes). */
function writeAndFlush(response: ServerResponse, chunk: string, closed: AbortSignal): Promise<void> {
  if (closed.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = (): void => {
      closed.removeEventListener("abort", finish);
      resolve();
    };
    closed.addEventListener("abort", finish, { once: true });
    response.write(chunk, finish);
  });
}

async function sendJson(
  context: PlaybackContext,
  status: number,
  body: unknown,
  headers: Record<string, string> | undefined,
  delayMs: number | undefined,
): Promise<void> {
  await waitUnlessAborted(delayMs, context.closed);
  if (context.closed.aborted) return;
  context.response.writeHead(status, {
    "content-type": "application/json",
    ...providerHeaders(context.provider, context.requestId),
    ...headers,
  });
  context.response.end(typeof body === "string" ? body : JSON.stringify(body));
}

function playJson(scenario: JsonScenario, context: PlaybackContext): Promise<void> {
  return sendJson(context, scenario.status ?? 200, scenario.body, scenario.headers, scenario.delayMs);
}

function playError(scenario: ErrorScenario, context: PlaybackContext): Promise<void> {
  const headers: Record<string, string> = {
    ...(scenario.retryAfter !== undefined ? { "retry-after": scenario.retryAfter } : {}),
    ...(scenario.retryAfterMs !== undefined ? { "retry-after-ms": scenario.retryAfterMs } : {}),
    ...scenario.headers,
  };
  const body = errorBody(context.provider, scenario, context.requestId);
  return sendJson(context, scenario.status, body, headers, scenario.delayMs);
}

async function playSse(scenario: SseScenario, context: PlaybackContext): Promise<void> {
  const { response, closed } = context;
  await waitUnlessAborted(scenario.delayBeforeHeadersMs, closed);
  if (closed.aborted) return;
  response.writeHead(scenario.status ?? 200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    ...providerHeaders(context.provider, context.requestId),
    ...scenario.headers,
  });
  response.flushHeaders();

  for (let sent = 0; sent <= scenario.events.length; sent++) {
    if (sent === scenario.resetAfterEvents) {
      context.markClosedByServer();
      response.socket?.destroy();
      return;
    }
    if (sent === scenario.hangAfterEvents) return untilAborted(closed);
    const event = scenario.events[sent];
    if (event === undefined) break;
    if (sent > 0) await waitUnlessAborted(scenario.delayBetweenMs, closed);
    if (closed.aborted) return;
    await writeAndFlush(response, formatSseEvent(event), closed);
  }
  response.end();
}

/** Sends `scenario` as the answer to one request, in the provider's wire format. */
export async function playScenario(scenario: Scenario, context: PlaybackContext): Promise<void> {
  switch (scenario.kind) {
    case "json":
      return playJson(scenario, context);
    case "error":
      return playError(scenario, context);
    case "sse":
      return playSse(scenario, context);
    case "reset":
      context.markClosedByServer();
      context.response.socket?.resetAndDestroy();
      return;
    case "hang":
      return untilAborted(context.closed);
  }
}
