// The build step of `npm install` (prepare) and `npm start` (prestart): runs `npm run build` (tsc, src/ into dist/)
// when dist/ is missing or older than a source, so the README's `npm install && npm start` works on a fresh clone
// and after a pull, and a start with nothing to rebuild costs only this check. Plain JavaScript: it runs before
// anything is compiled, and in production installs that have no tsx.
// --install (prepare): a production install (npm ci --omit=dev) has no TypeScript; it then skips the build instead
// of failing the install. The Dockerfile builds dist/ in a stage of its own and copies it.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = join(root, "dist", "src", "main.js");
// What tsconfig.build.json compiles, and the configs themselves. (noEmitOnError: a failed build writes nothing.)
const inputs = [
  "src",
  "generated",
  "clients/typescript/src",
  "clients/typescript/generated",
  "tsconfig.json",
  "tsconfig.build.json",
];
const installing = process.argv.includes("--install");

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

function typescriptCompiler() {
  try {
    return createRequire(import.meta.url).resolve("typescript/bin/tsc");
  } catch {
    return undefined;
  }
}

const builtAt = existsSync(entry) ? statSync(entry).mtimeMs : 0;
const changedAt = Math.max(...inputs.map((input) => newestChange(join(root, input))));
if (builtAt > 0 && changedAt <= builtAt) process.exit(0);

const tsc = typescriptCompiler();
if (tsc === undefined) {
  if (builtAt > 0) {
    console.warn(
      "Sources changed since dist/ was built, and TypeScript is not installed here: dist/ is used as it is.",
    );
    process.exit(0);
  }
  const how = "build it where the dev dependencies are installed (npm ci && npm run build) and copy dist/";
  if (installing) {
    console.log(`TypeScript is not installed (a production install), so dist/ is not built here: ${how}.`);
    process.exit(0);
  }
  console.error(`dist/src/main.js is missing and TypeScript is not installed: ${how}.`);
  process.exit(1);
}
console.log(builtAt > 0 ? "Sources changed since the last build: compiling dist/" : "Compiling src/ into dist/");
const build = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
  cwd: root,
  stdio: "inherit",
});
process.exit(build.status ?? 1);
