// Runestone as production runs it: the Dockerfile's CMD, in the repository, with a config that turns everything on
// (a tenant with an API key, limits, fallbacks for routing, metrics and the request log at info, into a file).
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { stringify } from "yaml";
import { freePort } from "./free-port.js";
import { productionCommand, REPO_ROOT } from "./repository.js";
import { type ServerProcess, startListening } from "./server-process.js";

export const BENCH_API_KEY = `rs-bench-${randomBytes(12).toString("hex")}`;
export const REDIS_URL = "redis://127.0.0.1:6379";
/** /metrics needs a token (the default since loopback clients need one too). */
const METRICS_TOKEN = "bench-metrics-token-0123456789";

/** Writes the bench's runestone.yaml into `dir`; with `redisKeyPrefix`, state goes to the local Redis. */
export function writeBenchConfig(dir: string, redisKeyPrefix?: string): string {
  const limits = {
    max_concurrency: 10_000,
    requests_per_minute: 100_000_000,
    tokens_per_minute: 1_000_000_000_000,
    // Over a limit: 429, which wrk counts as an error (a queued 202 would pass unnoticed).
    overflow: "reject",
    monthly_budget_usd: 1_000_000_000,
  };
  const config = {
    server: { host: "127.0.0.1" },
    fallbacks: { "gpt-4o-mini": ["anthropic/claude-haiku-4-5"] },
    tenants: { bench: { api_keys: [createHash("sha256").update(BENCH_API_KEY).digest("hex")], ...limits } },
    log_level: "info",
    metrics: { token: METRICS_TOKEN },
    ...(redisKeyPrefix === undefined ? {} : { redis_url: REDIS_URL, redis_key_prefix: redisKeyPrefix }),
  };
  const path = join(dir, redisKeyPrefix === undefined ? "runestone.yaml" : "runestone-redis.yaml");
  writeFileSync(path, stringify(config));
  return path;
}

/** The environment of a Runestone process: providers at the fake upstream; nothing inherited that changes config. */
export function runestoneEnv(upstreamUrl: string, configPath: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["REDIS_URL", "RUNESTONE_ROUTER_POLICY", "RUNESTONE_LOG_LEVEL"]) delete env[name];
  return {
    ...env,
    NODE_ENV: "production", // as the image sets it
    PORT: String(port),
    RUNESTONE_CONFIG: configPath,
    OPENAI_API_KEY: "sk-bench",
    OPENAI_BASE_URL: `${upstreamUrl}/v1`,
    ANTHROPIC_API_KEY: "sk-ant-bench",
    ANTHROPIC_BASE_URL: upstreamUrl,
  };
}

/** Starts Runestone with the production command; `readyMs` is the time from spawn to /health/ready = 200. */
export async function startRunestone(
  name: string,
  upstreamUrl: string,
  configPath: string,
  logFile: string,
  command: readonly string[] = productionCommand(),
): Promise<ServerProcess & { readyMs: number }> {
  const port = await freePort();
  return startListening(name, command, port, "/health/ready", {
    cwd: REPO_ROOT,
    env: runestoneEnv(upstreamUrl, configPath, port),
    logFile,
    group: command[0] === "npm",
  });
}

export function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(6379, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Runestone with its state in the local Redis, under a key prefix of its own (its keys deleted when it stops). */
export async function startRedisRunestone(upstreamUrl: string, dir: string, logFile: string): Promise<ServerProcess> {
  const prefix = `runestone-bench-${process.pid}-${Date.now()}:`;
  const server = await startRunestone("Runestone (Redis)", upstreamUrl, writeBenchConfig(dir, prefix), logFile);
  return {
    ...server,
    async stop() {
      await server.stop();
      const redis = new Redis(REDIS_URL);
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
        if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
      }
      await redis.quit();
    },
  };
}

export interface Recorded {
  chatRequestsByStatus: Record<string, number>;
  requestLogLines: number;
}

/** What Runestone itself counted (runestone_requests_total) and logged: proof that metrics and the log were on. */
export async function recorded(runestone: ServerProcess, logFile: string): Promise<Recorded> {
  const metrics = await (
    await fetch(`${runestone.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  const chatRequestsByStatus: Record<string, number> = {};
  const counters = /^runestone_requests_total\{[^}]*operation="createChatCompletion"[^}]*status="(\d+)"[^}]*\} (\d+)/gm;
  for (const [, status = "", count] of metrics.matchAll(counters)) {
    chatRequestsByStatus[status] = (chatRequestsByStatus[status] ?? 0) + Number(count);
  }
  const log = readFileSync(logFile, "utf8");
  const requestLogLines = log.split("\n").filter((line) => line.includes('"msg":"request"')).length;
  return { chatRequestsByStatus, requestLogLines };
}
