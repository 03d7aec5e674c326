import { describe, expect, it } from "vitest";
import { codeBlocks } from "../../scripts/readme/code-blocks.js";

describe("codeBlocks (the README's fenced blocks)", () => {
  const markdown = [
    "# Title", //                                            1
    "## Using it", //                                        2
    "### The SDK", //                                        3
    "```ts", //                                              4
    "# not a heading inside a block", //                     5
    "const a = 1;", //                                       6
    "```", //                                                7
    "## Other", //                                           8
    "~~~bash title", //                                      9
    "```", //                                                10
    "~~~", //                                                11
    "#### Deep", //                                          12
    "```", //                                                13
    "plain", //                                              14
    "```", //                                                15
  ].join("\n");

  it("gives each block its language, first line and the headings above it", () => {
    expect(codeBlocks(markdown)).toEqual([
      {
        language: "ts",
        code: "# not a heading inside a block\nconst a = 1;",
        line: 4,
        headings: ["Title", "Using it", "The SDK"],
      },
      { language: "bash", code: "```", line: 9, headings: ["Title", "Other"] },
      { language: "", code: "plain", line: 13, headings: ["Title", "Other", "Deep"] },
    ]);
  });

  it("refuses a block that is never closed", () => {
    expect(() => codeBlocks("# T\n```ts\nconst a = 1;\n")).toThrow("line 2 is never closed");
  });
});
