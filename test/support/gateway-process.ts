import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type { ConfigInput } from "../../src/config/schema.js";
import { withOpenAICatalog } from "./test-gateway.js";
import type { FakeUpstream } from "../fake-upstream/index.js";

/**
 * A real gateway as a separate OS process, from the sources as `npm run dev` starts it (`node --import tsx
 * src/main.ts`; npm start runs the same code compiled), config from RUNESTONE_CONFIG, providers and Redis from the
 * environment, for tests that need what only separate processes give: replicas that share nothing but Redis, and a
 * gateway that can be SIGKILLed.
 */

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OUTPUT_LIMIT = 200_000;

export const REDIS_URL = "redis://127.0.0.1:6379";

export interface GatewayProcessOptions {
  /** The config file's content (written as YAML to a temp dir). server.host defaults to 127.0.0.1. */
  config: ConfigInput;
  /** Both providers point at it (OPENAI_* and ANTHROPIC_*). */
  fake: FakeUpstream;
  /** Extra environment, laid over the defaults (REDIS_URL, RUNESTONE_LOG_LEVEL=warn, the providers, PORT). */
  env?: Record<string, string | undefined>;
  /** The fetch the readiness poll uses (e.g. a ContractRecorder's, so /health/ready is checked too). */
  fetch?: typeof fetch;
  /** How long to wait for /health/ready. Default 20 s. */
  readyTimeoutMs?: number;
  /** A name for diagnostics ("A", "B"). */
  name?: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GatewayProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The config file the process reads. */
  readonly configPath: string;
  /** Everything the process wrote to stdout and stderr so far (the log is JSON lines). */
  output(): string;
  /** Settles when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** SIGTERM (graceful shutdown), then waits for the exit; SIGKILL if it takes longer than timeoutMs (default 20 s). */
  stop(timeoutMs?: number): Promise<ProcessExit>;
  /** SIGKILL: the process dies at once, without any clean-up. Resolves once it has exited. */
  kill9(): Promise<ProcessExit>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A gateway process must never outlive the test process that started it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

/** The first port the kernel hands out for `listen(0)` (Linux); 32768 elsewhere. */
function ephemeralPortStart(): number {
  try {
    const first = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 1024 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
  } catch {
    return false;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return true;
}

/**
 * A free port below the kernel's ephemeral range: everything else in the test run listens on port 0 (which takes
 * ports from that range), so between this check and the gateway's listen() nothing else can be given this port.
 */
export async function freePort(): Promise<number> {
  const top = ephemeralPortStart();
  const bottom = Math.max(1025, top - 12_000);
  for (let i = 0; i < 50; i++) {
    const port = bottom + Math.floor(Math.random() * (top - bottom));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found between ${bottom} and ${top}`);
}

/**
 * Starts the gateway process and waits until /health/ready answers 200. The port is picked free beforehand (PORT=0
 * would work, but the process does not report the port it got); should another process take it first anyway,
 * start-up is retried on another port. Throws with the process's output when it does not become ready.
 */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), "runestone-process-"));
  const configPath = join(dir, "runestone.yaml");
  const config = {
    ...options.config,
    server: { host: "127.0.0.1", ...options.config.server },
    providers: withOpenAICatalog(options.config.providers),
  };
  writeFileSync(configPath, stringify(config));
  try {
    let lastError: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        return await launch(options, configPath, dir, await freePort());
      } catch (err) {
        lastError = err;
        if (!(err instanceof PortTakenError)) throw err;
      }
    }
    throw lastError;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

class PortTakenError extends Error {}

async function launch(
  options: GatewayProcessOptions,
  configPath: string,
  dir: string,
  port: number,
): Promise<GatewayProcess> {
  installExitHook();
  const name = options.name ?? "gateway";
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(RUNESTONE_|OPENAI_|ANTHROPIC_|REDIS_URL$|PORT$)/.test(key)),
  );
  const env = {
    ...inherited,
    RUNESTONE_CONFIG: configPath,
    PORT: String(port),
    OPENAI_API_KEY: "sk-test-openai",
    OPENAI_BASE_URL: options.fake.openaiBaseURL,
    ANTHROPIC_API_KEY: "sk-ant-test",
    ANTHROPIC_BASE_URL: options.fake.anthropicBaseURL,
    REDIS_URL,
    RUNESTONE_LOG_LEVEL: "warn",
    ...options.env,
  };
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let output = "";
  const collect = (chunk: Buffer) => {
    if (output.length < OUTPUT_LIMIT) output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let spawnError: Error | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    // Spawning failed (no 'exit' follows).
    child.once("error", (err) => {
      spawnError = err;
      live.delete(child);
      resolve({ code: null, signal: null });
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  if (child.pid === undefined) {
    await exited;
    throw new Error(`gateway process ${name} could not be spawned: ${spawnError?.message ?? "no pid"}`);
  }
  const url = `http://127.0.0.1:${port}`;

  let removed = false;
  const removeDir = () => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };

  const ready = await waitUntilReady(url, options.fetch ?? fetch, options.readyTimeoutMs ?? 20_000, () => hasExited);
  if (!ready) {
    if (!hasExited) child.kill("SIGKILL");
    const exit = await exited;
    if (/EADDRINUSE/.test(output)) throw new PortTakenError(`port ${port} was taken`);
    removeDir();
    throw new Error(
      `gateway process ${name} did not become ready on ${url} (exit ${JSON.stringify(exit)}). Its output:\n${output}`,
    );
  }

  const signalAndWait = async (signal: NodeJS.Signals, timeoutMs: number): Promise<ProcessExit> => {
    if (!hasExited) child.kill(signal);
    const exit = await Promise.race([exited, sleep(timeoutMs, undefined, { ref: false })]);
    if (exit) return exit;
    child.kill("SIGKILL");
    return exited;
  };

  return {
    name,
    pid: child.pid,
    port,
    url,
    configPath,
    output: () => output,
    exited,
    async stop(timeoutMs = 20_000) {
      const exit = await signalAndWait("SIGTERM", timeoutMs);
      removeDir();
      return exit;
    },
    async kill9() {
      const exit = await signalAndWait("SIGKILL", 10_000);
      removeDir();
      return exit;
    },
  };
}

/** Polls /health/ready until it answers 200 (true), the process exits or the time is up (false). */
async function waitUntilReady(
  url: string,
  fetcher: typeof fetch,
  timeoutMs: number,
  exited: () => boolean,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited()) {
    try {
      const response = await fetcher(`${url}/health/ready`);
      await response.text();
      if (response.status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  return false;
}
