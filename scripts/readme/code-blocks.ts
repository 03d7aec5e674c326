/**
 * The fenced code blocks of a Markdown document, each with its language, its first line's number and the headings it
 * stands under: what test/docs/readme-examples.test.ts type-checks and what the "Generate a client" check runs.
 */

export interface CodeBlock {
  /** The fence's info string up to the first space (`ts`, `bash`), lower-cased; "" when there is none. */
  language: string;
  code: string;
  /** The 1-based line of the opening fence. */
  line: number;
  /** The headings above it, outermost first, without their `#`s (["Runestone", "Using it", "The OpenAI SDK"]). */
  headings: string[];
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const headings: { level: number; text: string }[] = [];
  let open: { fence: string; language: string; line: number; lines: string[] } | undefined;
  markdown.split("\n").forEach((text, index) => {
    const fence = FENCE.exec(text);
    if (open !== undefined) {
      if (fence?.[2]?.startsWith(open.fence) && fence[3]?.trim() === "") {
        const under = headings.map((heading) => heading.text);
        blocks.push({ language: open.language, code: open.lines.join("\n"), line: open.line, headings: under });
        open = undefined;
      } else {
        open.lines.push(text);
      }
      return;
    }
    if (fence !== null) {
      const language = (fence[3] ?? "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
      open = { fence: fence[2] ?? "```", language, line: index + 1, lines: [] };
      return;
    }
    const heading = HEADING.exec(text);
    if (heading !== null) {
      const level = heading[1]?.length ?? 1;
      while ((headings.at(-1)?.level ?? 0) >= level) headings.pop();
      headings.push({ level, text: heading[2] ?? "" });
    }
  });
  if (open !== undefined) throw new Error(`the code block opened on line ${open.line} is never closed`);
  return blocks;
}

/** TypeScript blocks (```ts, ```typescript, ```mts). */
export function isTypeScript(block: CodeBlock): boolean {
  return ["ts", "typescript", "mts"].includes(block.language);
}
