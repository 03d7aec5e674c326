import { rmSync } from "node:fs";
import { CONTRACT_DIR } from "./contract.js";

/** Clears the record of exercised responses before the run. */
export function setup(): void {
  rmSync(CONTRACT_DIR, { recursive: true, force: true });
}
