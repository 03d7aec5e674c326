// The repository the bench runs in: where it is, how production starts Runestone, which commit is measured.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The exec-form CMD of the Dockerfile, e.g. ["node", "dist/main.js"]. */
export function productionCommand(): string[] {
  const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
  const line = dockerfile.split("\n").findLast((l) => l.startsWith("CMD "));
  const command: unknown = line === undefined ? undefined : JSON.parse(line.slice(4));
  if (!Array.isArray(command) || !command.every((part) => typeof part === "string")) {
    throw new Error('the Dockerfile has no exec-form CMD ["node", ...] to run');
  }
  return command;
}

/** The commit measured, marked when tracked files have uncommitted changes. */
export function gitCommit(): string {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  try {
    const head = git("rev-parse", "--short", "HEAD");
    return git("status", "--porcelain", "--untracked-files=no") === "" ? head : `${head} (with uncommitted changes)`;
  } catch {
    return "unknown";
  }
}
