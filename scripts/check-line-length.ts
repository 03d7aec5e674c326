/** No line of the code is longer than 120 characters (Biome wraps code, not comments or strings). */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const MAX = 120;
const files = execFileSync(
  "git",
  ["ls-files", "src/*.ts", "test/*.ts", "scripts/*.ts", "clients/*/src/*.ts", ":(glob)*.ts"],
  {
    encoding: "utf8",
  },
)
  .split("\n")
  .filter((file) => file !== "");
const long = files.flatMap((file) =>
  readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line, i) => (line.length > MAX ? [`${file}:${i + 1}: ${line.length} characters`] : [])),
);
if (long.length > 0) {
  console.error(`Lines longer than ${MAX} characters:\n${long.join("\n")}`);
  process.exit(1);
}
console.log(`${files.length} files, no line over ${MAX} characters.`);
