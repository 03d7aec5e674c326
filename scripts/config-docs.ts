// npm run config-docs: writes the configuration reference (every key of src/config/schema.ts with its type,
// default and meaning) into README.md between its config-reference markers.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { referenceRows, withConfigReference } from "./config-reference.js";

const README = fileURLToPath(new URL("../README.md", import.meta.url));
const undescribed = referenceRows().filter((key) => !key.description);
if (undescribed.length > 0) {
  console.error(
    `Keys without a description (add .describe("...") in src/config/schema.ts):\n` +
      undescribed.map((k) => `  ${k.path}`).join("\n"),
  );
  process.exitCode = 1;
}
const before = readFileSync(README, "utf8");
const after = withConfigReference(before);
if (after !== before) writeFileSync(README, after);
console.log(
  after === before ? "README.md configuration reference is up to date" : "README.md configuration reference updated",
);
