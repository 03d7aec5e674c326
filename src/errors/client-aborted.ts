/**
 * The reason a request's signal is aborted with when its client goes away: there is nobody left to answer. Thrown
 * by whatever was waiting on that signal (`throw signal.reason`).
 */
export class ClientAbortedError extends Error {
  constructor() {
    super("client closed the request");
    this.name = "ClientAbortedError";
  }
}
