import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { AppContext } from "./app-state.js";

async function write(res: ServerResponse, data: string): Promise<void> {
  if (res.write(data)) return;
  await Promise.race([once(res, "drain"), once(res, "close")]);
}

/**
 * Writes server-sent events as they come, each flushed at once, and ends the response when they end. A client
 * that leaves stops the writing (and, through `return()`, whatever produces the events). Resolves with what the
 * events returned, or undefined when the client left first.
 */
export async function writeEventStream<T>(
  ctx: AppContext,
  headers: Record<string, string>,
  events: AsyncGenerator<string, T>,
): Promise<T | undefined> {
  ctx.respond = false;
  const res = ctx.res;
  ctx.req.socket.setNoDelay(true);
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    ...headers,
  });
  try {
    for (let next = await events.next(); !res.destroyed; next = await events.next()) {
      if (next.done) {
        res.end();
        return next.value;
      }
      await write(res, next.value);
      ctx.state.summary.timeToFirstTokenMs ??= performance.now() - ctx.state.startedAt;
    }
    return undefined;
  } finally {
    if (!res.writableEnded) res.end();
    await events.return(undefined as T);
  }
}
