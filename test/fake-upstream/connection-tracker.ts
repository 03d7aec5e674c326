import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** Counts open sockets, unfinished responses, and responses the client walked away from. */
export class ConnectionTracker {
  /** Each open socket with a promise that settles once its 'close' event has been handled. */
  readonly #sockets = new Map<Socket, Promise<void>>();
  readonly #openResponses = new Set<ServerResponse>();
  readonly #closedByServer = new WeakSet<ServerResponse>();
  #abortedCount = 0;

  trackSocket(socket: Socket): void {
    const closed = new Promise<void>((resolve) =>
      socket.once("close", () => {
        this.#sockets.delete(socket);
        resolve();
      }),
    );
    this.#sockets.set(socket, closed);
  }

  /** Returns a signal that aborts when the response closes, however that happens. */
  trackResponse(response: ServerResponse): AbortSignal {
    const closed = new AbortController();
    this.#openResponses.add(response);
    response.once("close", () => {
      this.#openResponses.delete(response);
      if (!response.writableEnded && !this.#closedByServer.has(response)) this.#abortedCount++;
      closed.abort();
    });
    return closed.signal;
  }

  /** Records that the fake itself is cutting this response short, so it is not counted as a client abort. */
  markClosedByServer(response: ServerResponse): void {
    this.#closedByServer.add(response);
  }

  /** Tears every connection down and resolves once all sockets have closed; used when the fake shuts down. */
  async destroyAll(): Promise<void> {
    for (const response of this.#openResponses) this.#closedByServer.add(response);
    const closing = [...this.#sockets.values()];
    for (const socket of this.#sockets.keys()) socket.destroy();
    await Promise.all(closing);
  }

  resetAbortedCount(): void {
    this.#abortedCount = 0;
  }

  get openSocketCount(): number {
    return this.#sockets.size;
  }

  get openResponseCount(): number {
    return this.#openResponses.size;
  }

  get abortedCount(): number {
    return this.#abortedCount;
  }
}
