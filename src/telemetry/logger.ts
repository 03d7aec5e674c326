import cluster from "node:cluster";
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    // Under RUNESTONE_WORKERS, which worker process wrote the line.
    base: { service: "runestone", ...(cluster.worker ? { worker: cluster.worker.id } : {}) },
    redact: ["req.headers.authorization", "*.api_key", "*.apiKey"],
    serializers: { err: serializeError },
  });
}

/**
 * pino's error serialiser, less what Redis clients attach to their errors: the command and its arguments
 * (ioredis `command`, node_redis `command` and `args`), which can hold a queued job's request or its answer.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const { command: _command, args: _args, ...rest } = pino.stdSerializers.err(err) as Record<string, unknown>;
  return rest;
}
