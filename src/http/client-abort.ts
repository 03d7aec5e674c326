import type { AppContext } from "./app-state.js";

/** An AbortSignal that fires when the client goes away before its response was fully written. */
export function abortOnClientClose(ctx: AppContext): AbortController {
  const controller = new AbortController();
  ctx.res.once("close", () => {
    if (ctx.res.writableFinished) return;
    ctx.state.summary.clientClosed = true;
    controller.abort();
  });
  return controller;
}
