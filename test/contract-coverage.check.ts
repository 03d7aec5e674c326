import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { CONTRACT_DIR, documentedResponses } from "./support/contract.js";

/**
 * Runs after all other tests (see vitest.config.ts): every operation and every status the spec documents must
 * have been received, and validated, by some test.
 */
it("exercised every documented response of every operation", () => {
  const seen = new Set<string>();
  if (existsSync(CONTRACT_DIR)) {
    for (const file of readdirSync(CONTRACT_DIR)) {
      for (const line of readFileSync(join(CONTRACT_DIR, file), "utf8").split("\n")) if (line) seen.add(line);
    }
  }
  const missing = documentedResponses().filter((pair) => !seen.has(pair));
  expect(missing, "documented responses that no test exercised").toEqual([]);
});
