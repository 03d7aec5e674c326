import cluster from "node:cluster";
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    // Under RUNESTONE_WORKERS, which worker process wrote the line.
    base: { service: "runestone", ...(cluster.worker ? { worker: cluster.worker.id } : {}) },
    redact: ["req.headers.authorization", "*.api_key", "*.apiKey"],
  });
}
