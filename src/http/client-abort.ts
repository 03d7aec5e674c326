import { ClientAbortedError } from "../errors/client-aborted.js";
import type { AppContext } from "./app-state.js";

/** A signal aborted, with a ClientAbortedError, when the client goes away before its response was fully written. */
export function clientSignal(ctx: AppContext): AbortSignal {
  const controller = new AbortController();
  ctx.res.once("close", () => {
    if (ctx.res.writableFinished) return;
    ctx.state.summary.clientClosed = true;
    controller.abort(new ClientAbortedError());
  });
  return controller.signal;
}
