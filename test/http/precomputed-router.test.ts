import { OpenAPIRouter } from "openapi-backend";
import { describe, expect, it } from "vitest";
import { loadSpec } from "../../src/http/spec-for-validation.js";
import { PrecomputedRouter } from "../../src/http/precomputed-router.js";

const definition = loadSpec();
const reference = new OpenAPIRouter({ definition });
const precomputed = new PrecomputedRouter({ definition });

/** What a router answers: the operation's id, or the 404/405 it throws. */
function outcome(router: OpenAPIRouter, method: string, path: string): string | undefined {
  try {
    return router.matchOperation({ method, path, headers: {} }, true).operationId;
  } catch (err) {
    return (err as Error).message;
  }
}

const specPaths = Object.keys(definition.paths ?? {});
const concrete = (path: string) => path.replace(/\{.*?\}/g, "some-value");
const paths = [
  ...specPaths.map(concrete),
  ...specPaths.map((path) => `${concrete(path)}/`),
  ...specPaths.map((path) => `${concrete(path)}?x=1`),
  "/v1/models/gpt-4o/extra",
  "/v1/models/",
  "/v1/jobs/",
  "/v1/unknown",
  "/",
  "",
  "/v1/models/%7Bmodel%7D",
  "/v1/chat/completions//",
];
const methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "get", "post"];

describe("PrecomputedRouter", () => {
  it("routes every spec path, with and without a trailing slash or query, as openapi-backend's router", () => {
    expect(specPaths.length).toBeGreaterThan(10);
    for (const path of paths) {
      for (const method of methods) {
        expect(outcome(precomputed, method, path), `${method} ${path}`).toBe(outcome(reference, method, path));
      }
    }
  });

  it("finds operations, and answers 404 and 405 as openapi-backend's router does", () => {
    expect(outcome(precomputed, "POST", "/v1/chat/completions")).toBe("createChatCompletion");
    expect(outcome(precomputed, "GET", "/v1/models/gpt-4o")).toBe("retrieveModel");
    expect(outcome(precomputed, "DELETE", "/v1/jobs/job_1/")).toBe("cancelJob");
    expect(outcome(precomputed, "GET", "/v1/chat/completions")).toMatch(/^405-/);
    expect(outcome(precomputed, "GET", "/v1/nothing")).toMatch(/^404-/);
    expect(precomputed.matchOperation({ method: "GET", path: "/v1/nothing", headers: {} })).toBeUndefined();
  });

  it("lists the operations once, the same as openapi-backend's router", () => {
    expect(precomputed.getOperations()).toBe(precomputed.getOperations());
    expect(precomputed.getOperations()).toEqual(reference.getOperations());
  });
});
