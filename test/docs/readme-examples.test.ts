import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { recipes, SECTION } from "../../scripts/client-checks/recipes.js";
import { codeBlocks, isTypeScript } from "../../scripts/readme/code-blocks.js";
import { type TypeCheckProblem, typeCheck } from "../support/type-check.js";

/**
 * Every TypeScript example of the README compiles, each as a module of its own, with a strict configuration a user
 * starts from: what `tsc --init` writes since TypeScript 5.9 (strict, noUncheckedIndexedAccess,
 * exactOptionalPropertyTypes, module nodenext), with Node's types and library. Imports resolve as in a user's
 * project: `openai`, `@anthropic-ai/sdk`, `koa`... from node_modules, `runestone` and `runestone/client` through the
 * package's exports (from their sources: the "runestone-source" condition, so a stale dist/ never decides).
 * The examples of "Generate a client" import what a generator writes in a user's project: CI replays those recipes
 * in new projects (scripts/check-clients.ts), where they are compiled and run; here they are only found there.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

const USER_CONFIG: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts"],
  types: ["node"],
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noUncheckedSideEffectImports: true,
  moduleDetection: ts.ModuleDetectionKind.Force,
  skipLibCheck: true,
  noEmit: true,
  customConditions: ["runestone-source"],
};

const typeScriptBlocks = codeBlocks(README).filter(isTypeScript);
const examples = typeScriptBlocks.filter((block) => !block.headings.includes(SECTION));
const exampleModules = examples.map((block) => ({
  path: join(ROOT, `readme-line-${block.line}.mts`),
  code: block.code,
}));
/** Examples that must fail (the check would pass everything if imports did not resolve to the packages' types). */
const wrongModules = [
  'import { createRunestoneClient } from "runestone/client";\ncreateRunestoneClient({ baseUrl: 4001 });',
  'import OpenAI from "openai";\n' +
    'const answer = await new OpenAI().chat.completions.create({ model: "m", messages: [] });\n' +
    "console.log(answer.provider);",
  'import { start } from "runestone";\nawait start({ port: "4001" });',
].map((code, i) => ({ path: join(ROOT, `readme-wrong-${i}.mts`), code }));

let problems: TypeCheckProblem[] = [];
beforeAll(() => {
  problems = typeCheck([...exampleModules, ...wrongModules], USER_CONFIG);
}, 60_000);

describe("the README's TypeScript examples", () => {
  it("are found", () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  it("compile with a strict configuration", () => {
    const inExamples = problems.flatMap((problem) => {
      if (wrongModules.some((module) => module.path === problem.path)) return [];
      const block = examples[exampleModules.findIndex((module) => module.path === problem.path)];
      const where = block === undefined ? problem.path : `README.md:${block.line + problem.line}`;
      return [`${where}: ${problem.message}`];
    });
    expect(inExamples).toEqual([]);
  });

  it("of Generate a client are the files of the recipes CI replays", () => {
    const replayed = recipes(README).flatMap((recipe) =>
      recipe.steps.flatMap((step) => (step.kind === "write" ? [step.line] : [])),
    );
    const inSection = typeScriptBlocks.filter((block) => block.headings.includes(SECTION)).map((block) => block.line);
    expect(inSection.length).toBeGreaterThan(0);
    expect(replayed).toEqual(inSection);
  });

  it("would be reported when one does not compile (imports resolve to the packages' types)", () => {
    for (const module of wrongModules) {
      expect(
        problems.some((problem) => problem.path === module.path && !problem.message.includes("Cannot find module")),
        module.code,
      ).toBe(true);
    }
  });
});
