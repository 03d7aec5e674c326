import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The typed client's own package (clients/typescript) is built and type-checked here against the repository's
 * openapi-fetch, and shipped as the gateway's `runestone/client` too: its one dependency is the one the repository
 * builds it with, its version is the gateway's, and both packages export the same sources.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const CLIENT = join(ROOT, "clients", "typescript");

interface Manifest {
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports: Record<string, Record<string, string> | string>;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

describe("the typed client's package", () => {
  const client = manifest(CLIENT);
  const gateway = manifest(ROOT);

  it("depends on openapi-fetch only, in the range the repository builds it with", () => {
    expect(client.dependencies).toEqual({ "openapi-fetch": gateway.dependencies?.["openapi-fetch"] });
    expect(client.peerDependencies).toBeUndefined();
  });

  it("has the gateway's version", () => {
    expect(client.version).toBe(gateway.version);
  });

  it("is built from the sources that runestone/client exports", () => {
    const fromGateway = gateway.exports["./client"];
    expect(typeof fromGateway === "object" ? fromGateway["runestone-source"] : undefined).toBe(
      "./clients/typescript/src/index.ts",
    );
    const own = client.exports["."];
    expect(own).toEqual({ types: "./dist/src/index.d.ts", default: "./dist/src/index.js" });
    expect(existsSync(join(CLIENT, "src", "index.ts"))).toBe(true);
  });
});
