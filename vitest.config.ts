import { join } from "node:path";
import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// Each run records the responses it exercised in its own folder (test workers inherit this variable), so runs
// that overlap never mix their records.
process.env.RUNESTONE_CONTRACT_DIR ??= join(
  import.meta.dirname,
  "test-output",
  "contract",
  `run-${Date.now()}-${process.pid}`,
);

export default defineConfig({
  // Tests import the package ("runestone", "runestone/client") from its TypeScript sources, never from a dist/ build
  // that may be stale: the exports' "runestone-source" condition (tsconfig.json's customConditions does the same).
  ssr: { resolve: { conditions: ["runestone-source", ...defaultServerConditions] } },
  test: {
    testTimeout: 15_000,
    hookTimeout: 15_000,
    projects: [
      {
        extends: true,
        test: { name: "tests", include: ["test/**/*.test.ts"], sequence: { groupOrder: 0 } },
      },
      {
        // Runs after every other test (a later group): checks that the suite exercised each documented response.
        extends: true,
        test: { name: "contract-coverage", include: ["test/contract-coverage.check.ts"], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
