import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { AppContext } from "./app-state.js";

/**
 * Writes events as they come, those that come together in one write: the first write of a tick corks the response
 * and the end of the tick's work uncorks it. The events read from one upstream chunk are yielded in one run of
 * microtasks, so they reach the socket in one syscall (as a pass-through proxy forwards that chunk), and no event
 * waits for a later one: nothing is held past the current tick.
 */
class TickWriter {
  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.res.uncork();
  };

  constructor(private readonly res: ServerResponse) {}

  async write(data: string): Promise<void> {
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(this.uncork);
    }
    if (this.res.write(data)) return;
    await Promise.race([once(this.res, "drain"), once(this.res, "close")]);
  }
}

/**
 * Writes server-sent events as they come, flushed within the tick they come in (see TickWriter), and ends the
 * response when they end. A client that leaves stops the writing (and, through `return()`, whatever produces the
 * events). Resolves with what the events returned, or undefined when the client left first.
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
  const writer = new TickWriter(res);
  try {
    for (let next = await events.next(); !res.destroyed; next = await events.next()) {
      if (next.done) {
        res.end();
        return next.value;
      }
      await writer.write(next.value);
      ctx.state.summary.timeToFirstTokenMs ??= performance.now() - ctx.state.startedAt;
    }
    return undefined;
  } finally {
    if (!res.writableEnded) res.end();
    await events.return(undefined as T);
  }
}
