// The servers under test, each in its own OS process (so each has its own event loop, CPU time and memory).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  /** The whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Where stdout and stderr go (the request log): a file, never the terminal. */
  logFile: string;
  /**
   * Run in a process group of its own and signal the whole group: for commands that start the server as a
   * grandchild (npm start: npm, sh, node).
   */
  group?: boolean;
}

type Child = ChildProcess & { pid: number };

/** Every child still running, signalled when the bench exits however it exits (an error, Ctrl-C). */
const running = new Map<Child, boolean>();
process.once("exit", () => {
  for (const [child, group] of running) signal(child, group, "SIGKILL");
});
for (const name of ["SIGINT", "SIGTERM"] as const) process.once(name, () => process.exit(130));

/** The pids of the bench's children still running. */
export function liveChildPids(): number[] {
  return [...running.keys()].map((child) => child.pid);
}

function signal(child: Child, group: boolean, name: NodeJS.Signals): void {
  try {
    if (group) process.kill(-child.pid, name);
    else child.kill(name);
  } catch {
    // already gone
  }
}

function launch(name: string, command: readonly string[], options: SpawnOptions, stdout: "pipe" | "file"): Child {
  const [file, ...args] = command;
  if (file === undefined) throw new Error(`${name}: empty command`);
  const log = openSync(options.logFile, "a");
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", stdout === "pipe" ? "pipe" : log, log],
    detached: options.group === true,
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command.join(" ")}`);
  const started = child as Child;
  running.set(started, options.group === true);
  child.once("exit", () => running.delete(started));
  return started;
}

function tail(logFile: string): string {
  try {
    return readFileSync(logFile, "utf8").slice(-2000);
  } catch {
    return "";
  }
}

async function stopChild(child: Child, group: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  signal(child, group, "SIGTERM");
  const timer = setTimeout(() => signal(child, group, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function handle(name: string, child: Child, url: string, options: SpawnOptions): ServerProcess {
  let stopping = false;
  child.once("exit", (code, exitSignal) => {
    if (stopping) return;
    const why = exitSignal ?? code;
    process.stderr.write(`\n${name} exited unexpectedly (${why}); its output:\n${tail(options.logFile)}\n`);
    process.exit(1);
  });
  return {
    name,
    pid: child.pid,
    url,
    stop: () => {
      stopping = true;
      return stopChild(child, options.group === true);
    },
  };
}

/** Starts a process that prints its URL as the first line of stdout (the rest of its stdout is drained). */
export async function startPrintingUrl(
  name: string,
  command: readonly string[],
  options: SpawnOptions,
): Promise<ServerProcess> {
  const child = launch(name, command, options, "pipe");
  const stdout = child.stdout;
  if (stdout === null) throw new Error(`${name}: no stdout`);
  const url = await new Promise<string>((resolve, reject) => {
    let printed = "";
    const read = (chunk: Buffer) => {
      printed += chunk.toString();
      if (!printed.includes("\n")) return;
      stdout.off("data", read);
      child.off("exit", exited);
      resolve(printed.slice(0, printed.indexOf("\n")).trim());
    };
    const exited = () => reject(new Error(`${name} exited before printing its URL:\n${tail(options.logFile)}`));
    stdout.on("data", read);
    child.once("exit", exited);
  });
  stdout.resume();
  if (!url.startsWith("http://")) throw new Error(`${name} printed ${url}, not its URL`);
  return handle(name, child, url, options);
}

/** Polls `url` until it answers 200; returns the milliseconds since `since` (performance.now()). */
export async function waitUntilOk(url: string, since: number, timeoutMs = 60_000): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/** Starts a server on a known port and waits until `readyPath` answers 200. */
export async function startListening(
  name: string,
  command: readonly string[],
  port: number,
  readyPath: string,
  options: SpawnOptions,
): Promise<ServerProcess & { readyMs: number }> {
  const started = performance.now();
  const child = launch(name, command, options, "file");
  const url = `http://127.0.0.1:${port}`;
  const exitedEarly = once(child, "exit").then(([code, signal]) => {
    throw new Error(`${name} exited (${signal ?? code}) before it was ready:\n${tail(options.logFile)}`);
  });
  const readyMs = await Promise.race([waitUntilOk(`${url}${readyPath}`, started), exitedEarly]);
  exitedEarly.catch(() => undefined);
  return { ...handle(name, child, url, options), readyMs };
}
