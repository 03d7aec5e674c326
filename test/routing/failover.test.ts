import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { ownFailure } from "../../src/errors/own-failure.js";
import { createAnthropicProvider } from "../../src/providers/anthropic/client.js";
import { createOpenAIProvider } from "../../src/providers/openai/client.js";
import type { ChatRequest, Provider } from "../../src/providers/types.js";
import { CircuitBreakers } from "../../src/routing/breaker/circuit-breakers.js";
import { MemoryBreakerStore } from "../../src/routing/breaker/memory-breaker-store.js";
import { openWithFailover } from "../../src/routing/failover.js";
import type { RoutePlan } from "../../src/routing/route-plan.js";
import { Telemetry, type TelemetryEvents } from "../../src/telemetry/events.js";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/index.js";
import { DEFAULTS } from "../support/config-defaults.js";

/*
 * Failover over the real OpenAI provider (SDK and all) against the fake upstream, with requests no client can send
 * through the HTTP edge (built here, not parsed from JSON): what the breakers and retries make of the gateway's
 * own failures holds whatever limits the edge puts on bodies.
 */

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(async () => {
  await fake.close();
});

interface Harness {
  plan: RoutePlan;
  breakers: CircuitBreakers;
  clock: { now: number };
  attempts: Array<TelemetryEvents["upstream.attempt"]>;
  open(request: ChatRequest): Promise<unknown>;
}

type ProviderKind = "openai" | "anthropic";

function provider(kind: ProviderKind): Provider {
  const common = { name: kind, timeoutMs: 5_000, connectTimeoutMs: 1_000 };
  return kind === "openai"
    ? createOpenAIProvider({ ...common, apiKey: "sk-test-openai", baseURL: fake.openaiBaseURL })
    : createAnthropicProvider({
        ...common,
        apiKey: "sk-ant-test",
        baseURL: fake.anthropicBaseURL,
        defaultMaxTokens: 1_024,
      });
}

const MODEL_OF: Record<ProviderKind, string> = { openai: "gpt-4o-mini", anthropic: "claude-haiku-4-5" };

function harness(kind: ProviderKind = "openai"): Harness {
  const telemetry = new Telemetry();
  const attempts: Harness["attempts"] = [];
  telemetry.on("upstream.attempt", (event) => attempts.push(event));
  const clock = { now: 1_700_000_000_000 };
  const breakers = new CircuitBreakers(new MemoryBreakerStore(), telemetry, {
    settings: () => ({ ...DEFAULTS.breaker, consecutiveFailures: 2 }),
    clock: () => clock.now,
  });
  const candidate = { provider: provider(kind), model: MODEL_OF[kind], entry: undefined };
  const plan: RoutePlan = { policy: "default", candidates: [candidate] };
  const deps = {
    breakers,
    telemetry,
    retry: () => ({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10, budgetMs: 10_000 }),
    timeouts: () => ({ firstByteMs: 5_000, totalMs: 10_000 }),
  };
  return {
    plan,
    breakers,
    clock,
    attempts,
    open: (request) =>
      openWithFailover(
        plan,
        (candidate, signal) => candidate.provider.chat({ request, model: candidate.model, stream: false, signal }),
        "req_test",
        new AbortController().signal,
        deps,
      ).then(
        async (opened) => {
          for await (const _ of opened.events);
          return undefined;
        },
        (err: unknown) => err,
      ),
  };
}

const messages: ChatRequest["messages"] = [{ role: "user", content: "hi" }];

/** An object nested `depth` levels deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = {};
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

beforeEach(() => fake.reset());

describe.each(["openai", "anthropic"] as const)("the gateway's own failures, before anything is sent (%s)", (kind) => {
  it("a body too deep to serialise: the client's 400, never sent, retried or counted by a breaker", async () => {
    const h = harness(kind);
    const tools = [{ type: "function", function: { name: "f", parameters: nested(100_000) } }];
    const request = { messages, tools } as unknown as ChatRequest;
    for (let i = 0; i < 5; i++) {
      const error = await h.open(request);
      expect(error).not.toBeInstanceOf(GatewayError);
      expect(ownFailure(error, "bug").toBody().error).toMatchObject({
        code: "invalid_body",
        type: "invalid_request_error",
      });
    }
    expect(fake.requests).toHaveLength(0);
    expect(h.attempts).toHaveLength(5); // one attempt per request: no retry
    expect(await h.breakers.states()).toEqual({});
  });

  it("a body that cannot be serialised at all (a bug of ours): a 500, never counted against the upstream", async () => {
    const h = harness(kind);
    const cyclic: Record<string, unknown> = { type: "object" };
    cyclic.properties = { self: cyclic };
    const tools = [{ type: "function", function: { name: "f", parameters: cyclic } }];
    const request = { messages, tools } as unknown as ChatRequest;
    for (let i = 0; i < 3; i++) {
      const error = await h.open(request);
      expect(error).toBeInstanceOf(TypeError);
      expect(ownFailure(error, "bug").status).toBe(500);
    }
    expect(fake.requests).toHaveLength(0);
    expect(h.attempts).toHaveLength(3);
    expect(await h.breakers.states()).toEqual({});
  });

  it("gives back the half-open probe slot it held", async () => {
    const h = harness(kind);
    const key = `${kind}:${MODEL_OF[kind]}`;
    await h.breakers.recordFailure(key);
    await h.breakers.recordFailure(key);
    h.clock.now += DEFAULTS.breaker.cooldownMs;
    const tools = [{ type: "function", function: { name: "f", parameters: nested(100_000) } }];
    await h.open({ messages, tools } as unknown as ChatRequest);
    expect(await h.breakers.acquire(key)).toEqual({ allowed: true, state: "half_open" });
  });
});

describe("malformed upstream answers stay upstream faults", () => {
  it("an answer that is not JSON is a 502 upstream_error, retried and counted by the model's breaker", async () => {
    const h = harness();
    fake.use(() => ({ kind: "json", body: "{not json", headers: { "content-type": "application/json" } }));
    const error = await h.open({ messages });
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("upstream_error");
    expect(fake.requests).toHaveLength(3); // retried up to maxAttempts
    expect(await h.breakers.state("openai:gpt-4o-mini")).toBe("open");
  });
});
