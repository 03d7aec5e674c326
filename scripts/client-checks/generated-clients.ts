import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "../bench/repository.js";
import { type ClientCheckGateway, chatRequestsSince } from "./gateway.js";
import { type Recipe, recipes } from "./recipes.js";
import { run } from "./shell.js";

/**
 * The README's "Generate a client" recipes, replayed as written: each in a new ES module project outside the
 * repository, its commands run and its files written in the README's order, with the gateway's address for
 * http://localhost:4001. Its last command compiles the project and runs the chat with plain Node, which must print
 * the upstream's answer. Then what the README says the recipe needs is shown to be needed: without it, tsc fails.
 */

const README_URL = "http://localhost:4001";
const ANSWER = "echo: Hello!";

interface Necessity {
  file: string;
  /** The README's text, and what it becomes without what the README says is needed. */
  from: string;
  to: string;
  why: string;
}

const NEEDED: Record<string, Necessity> = {
  "openapi-typescript and openapi-fetch": {
    file: "src/chat.ts",
    from: 'createClient<paths, "application/json">',
    to: "createClient<paths>",
    why: 'without "application/json" the chat answer includes the event stream\'s text and does not type-check',
  },
  "@hey-api/openapi-ts": {
    file: "tsconfig.json",
    from: '"exactOptionalPropertyTypes": false',
    to: '"exactOptionalPropertyTypes": true',
    why: "with exactOptionalPropertyTypes the generated client does not compile",
  },
};

async function replay(recipe: Recipe, gateway: ClientCheckGateway, project: string): Promise<void> {
  const onGateway = (text: string) => text.replaceAll(README_URL, gateway.url);
  await run("npm init -y >/dev/null && npm pkg set type=module", project);
  const since = gateway.fake.requests.length;
  let printed = "";
  for (const step of recipe.steps) {
    if (step.kind === "write") {
      mkdirSync(dirname(join(project, step.path)), { recursive: true });
      writeFileSync(join(project, step.path), onGateway(step.code));
      console.log(`(wrote ${step.path}, README.md:${step.line})`);
      continue;
    }
    for (const command of step.commands) printed += (await run(onGateway(command), project)).stdout;
  }
  if (!printed.includes(ANSWER)) throw new Error(`${recipe.name}: the chat did not print "${ANSWER}"`);
  if (chatRequestsSince(gateway.fake, since) !== 1) throw new Error(`${recipe.name}: the chat did not reach upstream`);
}

async function showNeeded(recipe: Recipe, project: string): Promise<void> {
  const needed = NEEDED[recipe.name];
  if (needed === undefined) throw new Error(`${recipe.name}: nothing says what the recipe needs`);
  const path = join(project, needed.file);
  const text = readFileSync(path, "utf8");
  if (!text.includes(needed.from)) throw new Error(`${recipe.name}: ${needed.file} has no ${needed.from}`);
  console.log(`(${needed.file}: ${needed.from} → ${needed.to}; ${needed.why})`);
  writeFileSync(path, text.replace(needed.from, needed.to));
  await run("npx tsc --noEmit", project, { status: 2, lines: 4 });
}

export async function checkGeneratedClients(gateway: ClientCheckGateway): Promise<void> {
  for (const recipe of recipes(readFileSync(join(REPO_ROOT, "README.md"), "utf8"))) {
    console.log(`\n-- ${recipe.name}`);
    const started = performance.now();
    const project = mkdtempSync(join(tmpdir(), "runestone-generate-a-client-"));
    try {
      await replay(recipe, gateway, project);
      await showNeeded(recipe, project);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
    console.log(`-- ${recipe.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
