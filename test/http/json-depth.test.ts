import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../src/http/json-depth.js";

const nested = (depth: number, open = "[", close = "]") => `${open.repeat(depth)}${close.repeat(depth)}`;

describe("nestsDeeperThan", () => {
  it("counts arrays and objects alike, up to the limit inclusive", () => {
    expect(nestsDeeperThan(nested(64), 64)).toBe(false);
    expect(nestsDeeperThan(nested(65), 64)).toBe(true);
    expect(nestsDeeperThan(`${'{"a":'.repeat(64)}1${"}".repeat(64)}`, 64)).toBe(false);
    expect(nestsDeeperThan(`${'{"a":['.repeat(33)}1${"]}".repeat(33)}`, 64)).toBe(true);
    expect(nestsDeeperThan("[]", 0)).toBe(true);
    expect(nestsDeeperThan('"just a string"', 0)).toBe(false);
  });

  it("measures depth, not the number of siblings", () => {
    expect(nestsDeeperThan(`[${Array.from({ length: 10_000 }, () => "[[1]]").join(",")}]`, 3)).toBe(false);
  });

  it("skips brackets inside strings, escaped quotes included", () => {
    expect(nestsDeeperThan(JSON.stringify({ text: nested(500) }), 2)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ text: `say \\"${nested(500)}\\" and "${nested(50)}"` }), 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify([["ends with a backslash \\"], [[["x"]]]]), 3)).toBe(true);
    expect(nestsDeeperThan(JSON.stringify([["ends with a backslash \\"], [[["x"]]]]), 4)).toBe(false);
  });

  it("leaves text that is not JSON to the parser", () => {
    expect(nestsDeeperThan('["unterminated', 0)).toBe(true);
    expect(nestsDeeperThan('"unterminated [[[[', 1)).toBe(false);
  });

  it("scans a large body quickly, and stops at the first level too deep", () => {
    const large = JSON.stringify({ messages: [{ role: "user", content: "x".repeat(20 * 1024 * 1024) }] });
    const started = performance.now();
    expect(nestsDeeperThan(large, MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(10_000_000), MAX_JSON_DEPTH)).toBe(true);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
