import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { APIError as AnthropicAPIError } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { ClientAbortedError } from "../../src/errors/client-aborted.js";
import type { ErrorCode } from "../../src/errors/error-table.js";
import { GatewayError, isRetryable } from "../../src/errors/gateway-error.js";
import { parseRetryAfter } from "../../src/resilience/retry-after.js";
import { toGatewayError } from "../../src/providers/upstream-error.js";
import { retryDelayMs } from "../../src/resilience/backoff.js";
import { nextStep } from "../../src/routing/retry-policy.js";
import type { RetrySettings } from "../../src/routing/retry-settings.js";
import { DEFAULTS } from "../support/config-defaults.js";

/** mulberry32: a small seeded PRNG, so jitter is reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function upstream(status: number, headers: Record<string, string> = {}): GatewayError {
  return toGatewayError(
    APIError.generate(status, { error: { message: "boom" } }, undefined, new Headers(headers)),
    "openai",
  ) as GatewayError;
}

function gatewayError(code: ErrorCode): GatewayError {
  return new GatewayError(code, code);
}

describe("isRetryable", () => {
  const cases: Array<[string, unknown, boolean]> = [
    [
      "connection refused (upstream_unreachable)",
      toGatewayError(new APIConnectionError({ message: "ECONNREFUSED" }), "openai"),
      true,
    ],
    ["connection reset mid-call (upstream_error)", toGatewayError(new Error("socket hang up"), "openai"), true],
    ["timeout (504 upstream_timeout)", toGatewayError(new APIConnectionTimeoutError(), "openai"), true],
    ["429 rate limited", upstream(429), true],
    ["500", upstream(500), true],
    ["502", upstream(502), true],
    ["503", upstream(503), true],
    ["504", upstream(504), true],
    [
      "Anthropic 529 overloaded (503 provider_overloaded)",
      toGatewayError(
        AnthropicAPIError.generate(
          529,
          { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
          undefined,
          new Headers(),
        ),
        "anthropic",
      ),
      true,
    ],
    ["400", upstream(400), false],
    ["401", upstream(401), false],
    ["403", upstream(403), false],
    ["404", upstream(404), false],
    ["413", upstream(413), false],
    ["422", upstream(422), false],
    ["provider not configured (503, our own)", gatewayError("provider_not_configured"), false],
    ["the tenant's budget (429, our own)", gatewayError("budget_exceeded"), false],
    ["the tenant's rate limit (429, our own)", gatewayError("rate_limit_exceeded"), false],
    ["the state backend away (503, our own)", gatewayError("state_backend_unavailable"), false],
    ["a bug of ours (500)", gatewayError("internal_error"), false],
    ["client aborted", new ClientAbortedError(), false],
    ["not a GatewayError (a bug)", new TypeError("x is undefined"), false],
  ];
  it.each(cases)("%s → %s", (_name, error, retryable) => {
    expect(isRetryable(error)).toBe(retryable);
  });
});

describe("retryDelayMs", () => {
  const settings: RetrySettings = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000, budgetMs: 60_000 };

  it("draws full jitter under a ceiling that doubles per attempt and stops at maxDelayMs", () => {
    const random = seededRandom(42);
    const ceilings = [100, 200, 400, 800, 1_000, 1_000, 1_000];
    ceilings.forEach((ceiling, i) => {
      for (let n = 0; n < 200; n++) {
        const delay = retryDelayMs(i + 1, settings, undefined, random);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    });
    expect(retryDelayMs(3, settings, undefined, () => 0.5)).toBe(200);
    expect(retryDelayMs(50, settings, undefined, () => 0.999)).toBe(999);
  });

  it("is reproducible with a seeded random", () => {
    const run = (): number[] => {
      const random = seededRandom(7);
      return [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, settings, undefined, random));
    };
    expect(run()).toEqual(run());
  });

  it("waits at least the upstream's retry-after", () => {
    expect(retryDelayMs(1, settings, 2_500, () => 0.5)).toBe(2_500);
    expect(retryDelayMs(4, settings, 10, () => 0.5)).toBe(400); // the backoff is longer: it wins
  });

  it("waits no longer than capMs, a retry-after included, when given one", () => {
    const capped = { ...settings, capMs: 1_000 };
    expect(retryDelayMs(1, capped, 2_500, () => 0.5)).toBe(1_000);
    expect(retryDelayMs(1, capped, 700, () => 0.5)).toBe(700);
    expect(retryDelayMs(50, capped, undefined, () => 0.999)).toBe(999);
  });
});

describe("retry-after", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");

  it.each([
    ["2", 2_000],
    ["0.5", 500],
    ["Wed, 01 Jan 2025 00:00:03 GMT", 3_000],
    ["Tue, 31 Dec 2024 23:59:00 GMT", 0],
    ["soon", undefined],
  ])("parses %j as %s ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it("takes retry-after-ms at full precision, and retry-after otherwise", () => {
    expect(upstream(429, { "retry-after-ms": "250" }).retryAfterMs).toBe(250);
    expect(upstream(429, { "retry-after-ms": "250" }).retryAfter).toBe("1"); // the header clients see
    expect(upstream(429, { "retry-after": "3" }).retryAfterMs).toBe(3_000);
    expect(upstream(429).retryAfterMs).toBeUndefined();
  });
});

describe("nextStep", () => {
  const settings: RetrySettings = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2_000, budgetMs: 10_000 };
  const step = (attempt: number, elapsedMs: number, error: unknown) =>
    nextStep({ attempt, elapsedMs, error, settings, random: () => 0.5 });

  it("retries the same candidate while attempts remain, backing off", () => {
    expect(step(1, 0, upstream(502))).toEqual({ action: "retry", delayMs: 50 });
    expect(step(2, 1_000, upstream(502))).toEqual({ action: "retry", delayMs: 100 });
    expect(step(3, 2_000, upstream(502))).toEqual({ action: "failover", reason: "attempts_exhausted" });
  });

  it("honours retry-after and retry-after-ms when retrying", () => {
    expect(step(1, 0, upstream(429, { "retry-after": "1" }))).toEqual({ action: "retry", delayMs: 1_000 });
    expect(step(1, 0, upstream(429, { "retry-after-ms": "1234" }))).toEqual({ action: "retry", delayMs: 1_234 });
  });

  it("fails over rather than wait longer than maxDelayMs or the remaining budget", () => {
    expect(step(1, 0, upstream(429, { "retry-after": "5" }))).toEqual({ action: "failover", reason: "wait_too_long" });
    expect(step(1, 9_000, upstream(429, { "retry-after": "1" }))).toEqual({
      action: "failover",
      reason: "wait_too_long",
    });
    expect(step(1, 9_990, upstream(503))).toEqual({ action: "failover", reason: "wait_too_long" });
  });

  it("fails once the budget is spent", () => {
    expect(step(1, 10_000, upstream(503))).toEqual({ action: "fail", reason: "budget_exhausted" });
  });

  it("fails at once on an error that retrying cannot fix", () => {
    expect(step(1, 0, upstream(400))).toEqual({ action: "fail", reason: "not_retryable" });
    expect(step(1, 0, new ClientAbortedError())).toEqual({ action: "fail", reason: "not_retryable" });
  });

  it("gives one retry per candidate by default", () => {
    const settings = DEFAULTS.retry;
    expect(nextStep({ attempt: 1, elapsedMs: 0, error: upstream(502), settings, random: () => 0 })).toEqual({
      action: "retry",
      delayMs: 0,
    });
    expect(nextStep({ attempt: 2, elapsedMs: 0, error: upstream(502), settings })).toEqual({
      action: "failover",
      reason: "attempts_exhausted",
    });
    expect(settings).toEqual({ maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 8_000, budgetMs: 30_000 });
  });
});
