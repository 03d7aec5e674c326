import { GatewayError } from "../errors/gateway-error.js";

/** How long the client is asked to wait after a state backend failure: ioredis reconnects within that. */
export const STATE_BACKEND_RETRY_AFTER_MS = 1000;

/** host:port of a Redis URL, without its credentials: what messages and logs may name. */
export function redisAddress(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    return `${url.hostname || "127.0.0.1"}:${url.port || "6379"}`;
  } catch {
    return "the configured Redis";
  }
}

/**
 * What went wrong with a Redis call, in words that make sense to an operator: never the client library's internals
 * (ioredis says "Stream isn't writeable and enableOfflineQueue options is false" while it reconnects).
 */
export function describeRedisFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/timed out|within \d+ ms/i.test(message)) return "it did not answer in time";
  if (
    /enableOfflineQueue|Stream isn't writeable|Connection is closed|connection lost|ECONNREFUSED|ECONNRESET/i.test(
      message,
    )
  )
    return "it is not connected";
  if (/^NOSCRIPT/.test(message)) return "it had lost its scripts";
  if (/^(LOADING|BUSY|MASTERDOWN|READONLY|OOM|MISCONF)/.test(message)) return `it refused: ${message.split(" ")[0]}`;
  return "it failed";
}

/**
 * A Redis failure as a log may keep it: name and message only. Redis clients attach the command and its arguments
 * to their errors (ioredis `command.args`, node_redis `args`), and those arguments can be a job's request.
 */
export function scrubRedisError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const scrubbed = new Error(err.message);
  scrubbed.name = err.name;
  return scrubbed;
}

/** The 503 a client gets when the state backend (Redis at `address`) failed a call its request needed. */
export function stateBackendUnavailable(address: string, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError(
    "state_backend_unavailable",
    `The state backend (Redis at ${address}) is unavailable: ${describeRedisFailure(err)}. Try again shortly.`,
    { retryAfterMs: STATE_BACKEND_RETRY_AFTER_MS, cause: scrubRedisError(err) },
  );
}
