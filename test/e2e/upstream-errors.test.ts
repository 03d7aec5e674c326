import OpenAI, { type APIError } from "openai";
import { describe, expect, it } from "vitest";
import type { Provider, Scenario } from "../fake-upstream/index.js";
import { useTestGateway } from "../support/test-gateway.js";

// Error mapping, one failure at a time: no retries, no failover, breakers that never open; short timeouts so a
// hanging provider turns into a 504 quickly. Routing around failures is tested in test/e2e/failover.test.ts.
const tg = useTestGateway({
  config: {
    providers: { openai: { timeout_ms: 400 }, anthropic: { timeout_ms: 400 } },
    routing: { retry: { max_attempts: 1 }, breaker: { consecutive_failures: 1000, minimum_requests: 1000 } },
  },
});

interface Case {
  name: string;
  provider: Provider;
  scenario: Scenario;
  status: number;
  type: string;
  code: string;
  sdkError: new (...args: never[]) => APIError;
  retryAfter?: string;
  /**
   * The models asked for (through the SDK, on the stream) instead of the provider's usual one: a 429 with
   * retry-after backs its model off, which would answer the next case's request for it.
   */
  models?: [string, string];
}

const cases: Case[] = [
  {
    name: "OpenAI 400",
    provider: "openai",
    scenario: { kind: "error", status: 400, message: "Invalid value for 'foo'", param: "foo" },
    status: 400,
    type: "invalid_request_error",
    code: "upstream_invalid_request",
    sdkError: OpenAI.BadRequestError,
  },
  {
    name: "OpenAI 401 (the gateway's key)",
    provider: "openai",
    scenario: { kind: "error", status: 401 },
    status: 401,
    type: "authentication_error",
    code: "upstream_authentication_failed",
    sdkError: OpenAI.AuthenticationError,
  },
  {
    name: "Anthropic 403",
    provider: "anthropic",
    scenario: { kind: "error", status: 403 },
    status: 403,
    type: "permission_error",
    code: "upstream_permission_denied",
    sdkError: OpenAI.PermissionDeniedError,
  },
  {
    name: "OpenAI 404 unknown model",
    provider: "openai",
    scenario: { kind: "error", status: 404, code: "model_not_found", message: "The model `gpt-99` does not exist" },
    status: 404,
    type: "not_found_error",
    code: "model_not_found",
    sdkError: OpenAI.NotFoundError,
  },
  {
    name: "Anthropic 429 with retry-after",
    provider: "anthropic",
    scenario: { kind: "error", status: 429, retryAfter: "7" },
    status: 429,
    type: "rate_limit_error",
    code: "upstream_rate_limited",
    sdkError: OpenAI.RateLimitError,
    retryAfter: "7",
    models: ["claude-sonnet-4-5", "claude-opus-4-5"],
  },
  {
    name: "OpenAI 429 with retry-after-ms",
    provider: "openai",
    scenario: { kind: "error", status: 429, retryAfterMs: "1500" },
    status: 429,
    type: "rate_limit_error",
    code: "upstream_rate_limited",
    sdkError: OpenAI.RateLimitError,
    retryAfter: "2",
    models: ["gpt-4o", "gpt-4.1"],
  },
  {
    name: "OpenAI 500",
    provider: "openai",
    scenario: { kind: "error", status: 500 },
    status: 502,
    type: "service_error",
    code: "upstream_error",
    sdkError: OpenAI.InternalServerError,
  },
  {
    name: "OpenAI 503",
    provider: "openai",
    scenario: { kind: "error", status: 503 },
    status: 503,
    type: "service_error",
    code: "upstream_unavailable",
    sdkError: OpenAI.InternalServerError,
  },
  {
    name: "Anthropic 529 overloaded",
    provider: "anthropic",
    scenario: { kind: "error", status: 529 },
    status: 503,
    type: "service_error",
    code: "provider_overloaded",
    sdkError: OpenAI.InternalServerError,
  },
  {
    name: "connection reset",
    provider: "anthropic",
    scenario: { kind: "reset" },
    status: 502,
    type: "service_error",
    code: "upstream_unreachable",
    sdkError: OpenAI.InternalServerError,
  },
  {
    name: "upstream that never answers",
    provider: "openai",
    scenario: { kind: "hang" },
    status: 504,
    type: "service_error",
    code: "upstream_timeout",
    sdkError: OpenAI.InternalServerError,
  },
  {
    name: "upstream answering garbage",
    provider: "openai",
    scenario: { kind: "json", body: "<html>bad gateway</html>", headers: { "content-type": "text/html" }, status: 200 },
    status: 502,
    type: "service_error",
    code: "upstream_error",
    sdkError: OpenAI.InternalServerError,
  },
];

const modelOf = (c: Case, variant: 0 | 1) =>
  c.models?.[variant] ?? (c.provider === "openai" ? "gpt-4o-mini" : "claude-haiku-4-5");

describe.each(cases)("$name", (c) => {
  it(`is ${c.status} ${c.type} through the OpenAI SDK (${c.sdkError.name})`, async () => {
    tg.fake.once(c.provider, c.scenario);
    const error = await tg.openai.chat.completions
      .create({ model: modelOf(c, 0), messages: [{ role: "user", content: "x" }] })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toBeInstanceOf(c.sdkError);
    const apiError = error as APIError;
    expect(apiError.status).toBe(c.status);
    expect(apiError.error).toMatchObject({ type: c.type, code: c.code });
    expect((apiError.error as { message: string }).message).toMatch(new RegExp(`^Provider '${c.provider}'`));
    if (c.retryAfter) expect(apiError.headers?.get("retry-after")).toBe(c.retryAfter);
  });

  it(`is ${c.status} on /v1/chat/stream before any event`, async () => {
    tg.fake.once(c.provider, c.scenario);
    const response = await tg.post("/v1/chat/stream", {
      model: modelOf(c, 1),
      messages: [{ role: "user", content: "x" }],
    });
    expect(response.status).toBe(c.status);
    expect(await response.json()).toMatchObject({ error: { type: c.type, code: c.code } });
  });
});

it("keeps the upstream's param on a 400", async () => {
  tg.fake.once("openai", { kind: "error", status: 400, message: "Invalid 'logit_bias'", param: "logit_bias" });
  const response = await tg.post("/v1/chat/completions", {
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "x" }],
  });
  expect(await response.json()).toMatchObject({
    error: { param: "logit_bias", message: "Provider 'openai' answered 400: Invalid 'logit_bias'" },
  });
});
