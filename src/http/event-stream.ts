import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { OpenedStream } from "../chat/chat-service.js";
import type { GatewayError } from "../errors.js";
import type { AppContext } from "./app-state.js";
import { routingHeaders } from "./routing-headers.js";
import { isClientAbort, toGatewayError } from "../providers/upstream-error.js";

async function write(res: ServerResponse, data: string): Promise<void> {
  if (res.write(data)) return;
  await Promise.race([once(res, "drain"), once(res, "close")]);
}

/**
 * Sends an opened chat stream as server-sent events, each flushed as it arrives. An error after the first event
 * ends the stream with an `error` event and no `[DONE]`, so a cut-off answer never looks complete.
 */
export async function sendEventStream(ctx: AppContext, stream: OpenedStream): Promise<void> {
  ctx.respond = false;
  const res = ctx.res;
  ctx.req.socket.setNoDelay(true);
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    ...routingHeaders(stream.routing),
  });
  try {
    if (stream.first) await write(res, `data: ${JSON.stringify(stream.first)}\n\n`);
    ctx.state.summary.timeToFirstTokenMs = performance.now() - ctx.state.startedAt;
    for (let next = await stream.rest.next(); !next.done && !res.destroyed; next = await stream.rest.next()) {
      await write(res, `data: ${JSON.stringify(next.value)}\n\n`);
    }
    if (!res.destroyed) res.end("data: [DONE]\n\n");
  } catch (err) {
    if (isClientAbort(err) || res.destroyed) {
      res.end();
      return;
    }
    const error = toGatewayError(err, stream.routing.provider) as GatewayError;
    res.end(`data: ${JSON.stringify(error.toBody())}\n\n`);
  } finally {
    // Ends the upstream call when the loop stopped early (client gone), so nothing keeps running.
    await stream.rest.return?.(undefined);
  }
}
