import { describe, expect, it } from "vitest";
import { ERROR_TABLE, type ErrorCode } from "../../src/errors/error-table.js";
import { spec } from "../support/spec-schemas.js";

interface ErrorCodeSchema {
  enum: ErrorCode[];
  description: string;
}

const schema = spec.components.schemas.ErrorCode as ErrorCodeSchema;

/** The rows of the table in the spec's ErrorCode description: each code with the status the spec promises. */
function documentedStatuses(): Map<string, string> {
  const statuses = new Map<string, string>();
  for (const line of schema.description.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const [, codes = "", status = ""] = cells;
    if (!codes.startsWith("`")) continue;
    for (const [, code] of codes.matchAll(/`([a-z_]+)`/g)) {
      if (code !== undefined) {
        expect(statuses.has(code), `${code} is in the spec's table twice`).toBe(false);
        statuses.set(code, status);
      }
    }
  }
  return statuses;
}

describe("the error table", () => {
  it("has the spec's error codes, no more and no fewer", () => {
    expect(Object.keys(ERROR_TABLE).sort()).toEqual([...schema.enum].sort());
  });

  it("gives each code the status the spec's ErrorCode description promises", () => {
    const documented = documentedStatuses();
    expect([...documented.keys()].sort()).toEqual([...schema.enum].sort());
    for (const [code, status] of documented) {
      // "–": only ever in a queued job's error, never an HTTP answer.
      if (status === "–") continue;
      expect(`${code} ${ERROR_TABLE[code as ErrorCode].status}`).toBe(`${code} ${status}`);
    }
  });

  it("makes only upstream faults retryable or count against a breaker", () => {
    const upstream = Object.entries(ERROR_TABLE).filter(([, traits]) => traits.retryable || traits.breaker !== null);
    for (const [code] of upstream) expect(code).toMatch(/^(upstream_|provider_overloaded$|job_timeout$)/);
    expect(ERROR_TABLE.internal_error).toMatchObject({ retryable: false, breaker: null });
    expect(ERROR_TABLE.budget_exceeded).toMatchObject({ retryable: false, breaker: null });
  });
});
