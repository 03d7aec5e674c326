import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 15_000,
    hookTimeout: 15_000,
    projects: [
      {
        extends: true,
        test: { name: "tests", include: ["test/**/*.test.ts"], globalSetup: ["test/support/global-setup.ts"], sequence: { groupOrder: 0 } },
      },
      {
        // Runs after every other test (a later group): checks that the suite exercised each documented response.
        extends: true,
        test: { name: "contract-coverage", include: ["test/contract-coverage.check.ts"], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
