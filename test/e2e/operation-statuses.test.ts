import { describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import type { Provider, Scenario } from "../fake-upstream/index.js";
import { useTestGateway } from "../support/test-gateway.js";

/**
 * Every status the spec documents for the Messages API and embeddings operations, each answered in its API's error
 * shape (Anthropic's on the messages paths, OpenAI's on embeddings) with the type that goes with the status. No
 * retries, no failover, breakers that never open, short timeouts, a small body limit.
 */

const KEYS = { acme: "rsk_acme_statuses_key", narrow: "rsk_narrow_statuses_key" };
const tg = useTestGateway({
  config: {
    server: { body_limit: "4kb" },
    providers: { openai: { timeout_ms: 400 }, anthropic: { timeout_ms: 400 } },
    routing: { retry: { max_attempts: 1 }, breaker: { consecutive_failures: 1000, minimum_requests: 1000 } },
    tenants: {
      acme: { api_keys: [hashApiKey(KEYS.acme)] },
      narrow: { api_keys: [hashApiKey(KEYS.narrow)], allowed_models: ["openai/gpt-4.1-nano"] },
    },
  },
});

interface Operation {
  path: string;
  /** The provider the valid body goes to. */
  provider: Provider;
  body: Record<string, unknown>;
  /** The error body's shape: Anthropic's, or OpenAI's. */
  errors: "anthropic" | "openai";
}

const hello = [{ role: "user", content: "Hello" }];
const OPERATIONS: Operation[] = [
  {
    path: "/v1/messages",
    provider: "anthropic",
    body: { model: "claude-haiku-4-5", max_tokens: 64, messages: hello },
    errors: "anthropic",
  },
  {
    path: "/v1/messages/count_tokens",
    provider: "anthropic",
    body: { model: "claude-haiku-4-5", messages: hello },
    errors: "anthropic",
  },
  {
    path: "/v1/embeddings",
    provider: "openai",
    body: { model: "text-embedding-3-small", input: "hello" },
    errors: "openai",
  },
];

/** Anthropic's error type, and Runestone's, for each status. */
const TYPES: Record<number, { anthropic: string; openai: string }> = {
  400: { anthropic: "invalid_request_error", openai: "invalid_request_error" },
  401: { anthropic: "authentication_error", openai: "authentication_error" },
  403: { anthropic: "permission_error", openai: "permission_error" },
  404: { anthropic: "not_found_error", openai: "not_found_error" },
  413: { anthropic: "request_too_large", openai: "invalid_request_error" },
  415: { anthropic: "invalid_request_error", openai: "invalid_request_error" },
  429: { anthropic: "rate_limit_error", openai: "rate_limit_error" },
  502: { anthropic: "api_error", openai: "service_error" },
  503: { anthropic: "overloaded_error", openai: "service_error" },
  504: { anthropic: "timeout_error", openai: "service_error" },
};

interface Case {
  status: number;
  what: string;
  /** Scripts the upstream, when the status comes from there. */
  upstream?: Scenario;
  send(op: Operation): Promise<Response>;
}

const asAcme = { authorization: `Bearer ${KEYS.acme}` };
const post = (op: Operation, body: unknown, headers: Record<string, string> = asAcme) =>
  tg.post(op.path, body, headers);
const valid = (op: Operation) => post(op, op.body);

const CASES: Case[] = [
  { status: 400, what: "a body the spec refuses", send: (op) => post(op, { ...op.body, model: 42 }) },
  { status: 401, what: "no key", send: (op) => post(op, op.body, {}) },
  {
    status: 403,
    what: "a model the tenant may not use",
    send: (op) => post(op, op.body, { authorization: `Bearer ${KEYS.narrow}` }),
  },
  { status: 404, what: "a model the upstream does not know", upstream: { kind: "error", status: 404 }, send: valid },
  {
    status: 413,
    what: "a body over the limit",
    send: (op) => post(op, { ...op.body, padding: "x".repeat(8_000) }),
  },
  {
    status: 415,
    what: "a body that is not JSON",
    send: (op) =>
      tg.fetch(`${tg.url}${op.path}`, {
        method: "POST",
        headers: { "content-type": "text/plain", ...asAcme },
        body: "hello",
      }),
  },
  { status: 429, what: "the upstream's rate limit", upstream: { kind: "error", status: 429 }, send: valid },
  { status: 502, what: "an upstream failure", upstream: { kind: "error", status: 500 }, send: valid },
  { status: 503, what: "an unavailable upstream", upstream: { kind: "error", status: 503 }, send: valid },
  { status: 504, what: "an upstream that never answers", upstream: { kind: "hang" }, send: valid },
];

describe.each(OPERATIONS)("$path", (op) => {
  it.each(CASES)("answers $status for $what, in its API's error shape", async ({ status, upstream, send }) => {
    if (upstream) tg.fake.once(op.provider, upstream);
    const response = await send(op);
    expect(response.status).toBe(status);
    const body = (await response.json()) as Record<string, unknown>;
    const type = TYPES[status]?.[op.errors];
    if (op.errors === "anthropic") {
      expect(body).toMatchObject({ type: "error", error: { type }, request_id: response.headers.get("x-request-id") });
    } else {
      expect(body).toMatchObject({ error: { type } });
    }
  });
});
