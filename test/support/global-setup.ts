import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CONTRACT_DIR, documentedResponses } from "./contract.js";

/** Clears the record of exercised responses before the run. */
export function setup(): void {
  rmSync(CONTRACT_DIR, { recursive: true, force: true });
}

/**
 * After a full run (`npm test` sets RUNESTONE_CONTRACT_COVERAGE=1), fails when an operation or a documented
 * status of the spec was never exercised by any test. Partial runs (one file) skip the check.
 */
export function teardown(): void {
  if (process.env.RUNESTONE_CONTRACT_COVERAGE !== "1") return;
  const seen = new Set<string>();
  if (existsSync(CONTRACT_DIR)) {
    for (const file of readdirSync(CONTRACT_DIR)) {
      for (const line of readFileSync(join(CONTRACT_DIR, file), "utf8").split("\n")) if (line) seen.add(line);
    }
  }
  const missing = documentedResponses().filter((pair) => !seen.has(pair));
  if (missing.length > 0) throw new Error(`Documented responses that no test exercised:\n  ${missing.join("\n  ")}`);
}
