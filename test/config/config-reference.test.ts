import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configKeys, keyPathsOf, referenceRows, withConfigReference } from "../../scripts/config-reference.js";
import { loadConfig } from "../../src/config/load-config.js";

/**
 * The configuration's documentation follows src/config/schema.ts: the README's reference table is the one
 * `npm run config-docs` generates from the schema, and runestone.example.yaml uses every key and validates.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const EXAMPLE = join(ROOT, "runestone.example.yaml");

describe("the configuration reference in the README", () => {
  it("describes every key of the schema", () => {
    const undescribed = referenceRows()
      .filter((key) => !key.description)
      .map((key) => key.path);
    expect(undescribed, "keys without .describe() in src/config/schema.ts").toEqual([]);
  });

  it("is the table npm run config-docs generates from the schema", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(
      readme === withConfigReference(readme),
      "README.md's configuration reference is stale: run npm run config-docs",
    ).toBe(true);
  });
});

describe("runestone.example.yaml", () => {
  it("is a valid configuration", () => {
    const { config } = loadConfig({ path: EXAMPLE, env: {} });
    expect(config.providers.ollama).toMatchObject({ kind: "openai", base_url: "http://localhost:11434/v1" });
    expect(config.tenants.acme?.api_keys).toHaveLength(1);
  });

  it("uses every key of the schema", () => {
    const used = keyPathsOf(parse(readFileSync(EXAMPLE, "utf8")));
    const missing = configKeys()
      .map((key) => key.path)
      .filter((path) => !used.has(path));
    expect(missing, "keys runestone.example.yaml does not show").toEqual([]);
  });
});
