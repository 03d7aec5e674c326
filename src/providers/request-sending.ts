import { AsyncLocalStorage } from "node:async_hooks";

/** One upstream call: `run` makes it, `sent` tells whether its request reached the network. */
export interface SendingCall {
  readonly sent: boolean;
  run<T>(send: () => T): T;
}

/**
 * Tells whether an SDK call put its request on the wire. The SDKs build and serialise the request body before
 * they fetch, so a call that failed unsent failed in the gateway itself (a body too deeply nested to serialise, a
 * translation bug): the upstream never saw it, and it is no upstream fault.
 *
 * The SDK client gets `fetch` (its `fetch` option); each call is made inside `start().run()`, whose async context
 * follows the SDK into its fetch, which marks that call as sent.
 */
export class RequestSending {
  private readonly calls = new AsyncLocalStorage<{ sent: boolean }>();

  readonly fetch: typeof fetch = (input, init) => {
    const call = this.calls.getStore();
    if (call) call.sent = true;
    return fetch(input, init);
  };

  start(): SendingCall {
    const state = { sent: false };
    const calls = this.calls;
    return {
      get sent() {
        return state.sent;
      },
      run: (send) => calls.run(state, send),
    };
  }
}
