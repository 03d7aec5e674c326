// Closed-loop load with wrk (Debian package `wrk`): N connections, each sending the next POST as soon as the last
// answer ended. The Lua script sets the body and prints wrk's summary as one JSON line.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const LUA = fileURLToPath(new URL("./wrk/post.lua", import.meta.url));
export const WRK_SOURCE = "wrk -t1 -c50, POST body from a Lua script (scripts/bench/wrk/post.lua)";

export interface WrkResult {
  requests: number;
  seconds: number;
  /** Non-2xx/3xx answers (wrk counts status > 399). */
  statusErrors: number;
  /** Connect, read and write errors, and timeouts (10 s). */
  socketErrors: number;
}

export interface WrkRun {
  url: string;
  bodyFile: string;
  authorization?: string;
  connections: number;
  seconds: number;
}

function installed(): boolean {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (err) {
    // wrk --version prints its usage and exits 1: only a missing binary is a spawn error.
    return (err as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

/** Installs wrk with apt-get when it is missing and this is root on Debian (as .ci/run does Redis); else says how. */
export function ensureWrk(): void {
  if (installed()) return;
  const canApt = process.getuid?.() === 0 && spawnable("apt-get");
  if (!canApt) {
    throw new Error("wrk is not installed: sudo apt-get install wrk (Debian/Ubuntu), or see github.com/wg/wrk");
  }
  process.stdout.write("wrk is missing: apt-get install -y wrk\n");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", "wrk"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

function spawnable(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export async function wrk(run: WrkRun): Promise<WrkResult> {
  const args = ["-t1", `-c${run.connections}`, `-d${run.seconds}s`, "--timeout", "10s", "-s", LUA, run.url];
  const child = spawn("wrk", args, {
    env: { ...process.env, BENCH_BODY_FILE: run.bodyFile, BENCH_AUTHORIZATION: run.authorization ?? "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  const line = output.split("\n").find((l) => l.startsWith("BENCH_WRK "));
  if (code !== 0 || line === undefined) throw new Error(`wrk failed (exit ${code}):\n${output}`);
  const r = JSON.parse(line.slice("BENCH_WRK ".length)) as Record<string, number>;
  const n = (key: string) => r[key] ?? 0;
  return {
    requests: n("requests"),
    seconds: n("duration_us") / 1e6,
    statusErrors: n("status"),
    socketErrors: n("connect") + n("read") + n("write") + n("timeout"),
  };
}
