import { spawn } from "node:child_process";
import { once } from "node:events";
import { delimiter } from "node:path";

/**
 * Commands run in a project outside the repository as its user would run them, each printed with its output (the
 * transcript CI shows): in bash, with an environment that knows nothing of the repository (no npm_* variables of
 * the npm that started this script, no node_modules/.bin of the repository on the PATH, no loader of tsx).
 */

export interface Ran {
  stdout: string;
  stderr: string;
  status: number;
}

export interface Expect {
  /** The exit status the command must have; 0 by default. */
  status?: number;
  /** How many lines of its output to print (all by default). */
  lines?: number;
}

export function userEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) || name === "INIT_CWD" || name === "NODE_OPTIONS") continue;
    env[name] = value;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => !dir.includes("node_modules"))
    .join(delimiter);
  // What a CI log needs: no audit or funding notices, no update check.
  env.npm_config_audit = "false";
  env.npm_config_fund = "false";
  env.npm_config_update_notifier = "false";
  return env;
}

/**
 * Runs `command` in bash in `cwd`, prints `$ command` and its output; throws when it exits with another status.
 * Asynchronous: the fake upstream that the gateway calls lives in this process's event loop.
 */
export async function run(command: string, cwd: string, expect: Expect = {}): Promise<Ran> {
  const expectStatus = expect.status ?? 0;
  console.log(`$ ${command}`);
  const child = spawn("bash", ["-c", command], { cwd, env: userEnvironment(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const [code] = (await once(child, "close")) as [number | null];
  const lines = `${stdout}${stderr}`.trimEnd().split("\n");
  const shown = lines.slice(0, expect.lines ?? lines.length);
  if (shown.length < lines.length) shown.push(`(${lines.length - shown.length} more lines)`);
  if (lines.join("") !== "") console.log(shown.join("\n").replace(/^/gm, "  "));
  const status = code ?? 1;
  if (status !== expectStatus) {
    throw new Error(`\`${command}\` exited with ${status} (expected ${expectStatus}) in ${cwd}`);
  }
  return { stdout, stderr, status };
}
