import { type CodeBlock, codeBlocks, isTypeScript } from "../readme/code-blocks.js";

/**
 * The README's "Generate a client" recipes, as steps a check can replay: each recipe is a `####` subsection whose
 * bash blocks are commands to run and whose TypeScript blocks are files to write, named by their first line
 * (`// src/chat.ts`), in the README's order. The recipes CI replays are listed here; test/docs/readme-examples.test.ts
 * checks that the section's TypeScript blocks are exactly theirs (the others of the README it type-checks itself).
 */

export const SECTION = "Generate a client";
export const RECIPES = ["openapi-typescript and openapi-fetch", "@hey-api/openapi-ts"] as const;

export type Step =
  | { kind: "run"; commands: string[]; line: number }
  | { kind: "write"; path: string; code: string; line: number };

export interface Recipe {
  name: string;
  steps: Step[];
}

const FILE_NAME = /^\/\/ ([\w./-]+\.ts)\n/;

/** The blocks of the section (under its heading, in any subsection). */
function sectionBlocks(markdown: string): CodeBlock[] {
  return codeBlocks(markdown).filter((block) => block.headings.includes(SECTION));
}

function step(block: CodeBlock): Step {
  if (block.language === "bash") {
    const commands = block.code
      .split("\n")
      .map((line) => line.replace(/\s+# .*$/, "").trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    return { kind: "run", commands, line: block.line };
  }
  const named = isTypeScript(block) ? FILE_NAME.exec(block.code) : null;
  if (named?.[1] === undefined) {
    throw new Error(
      `README.md:${block.line}: a recipe's blocks are bash, or TypeScript whose first line names its file`,
    );
  }
  return { kind: "write", path: named[1], code: block.code, line: block.line };
}

export function recipes(markdown: string): Recipe[] {
  const blocks = sectionBlocks(markdown);
  return RECIPES.map((name) => {
    const steps = blocks.filter((block) => block.headings.at(-1) === name).map(step);
    if (!steps.some((s) => s.kind === "run") || !steps.some((s) => s.kind === "write")) {
      throw new Error(`the README's "${SECTION}" has no recipe "${name}" with commands and a file`);
    }
    return { name, steps };
  });
}
