import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GATEWAY_FIELDS, type GatewayField } from "../../generated/gateway-fields.js";
import { openaiStream } from "../fake-upstream/index.js";
import { sseData } from "../support/contract.js";
import { useTestGateway } from "../support/test-gateway.js";

/**
 * Every request field the spec marks `x-runestone-gateway` (generated/gateway-fields.ts), sent to both providers,
 * plain, streamed and through a queued job: none reaches the upstream (whose fake, like the real APIs, would answer
 * an unknown field with 400). A field newly marked in the spec fails `tsc` here until it has a valid sample value.
 */
type Sample = { [Field in GatewayField<"ChatCompletionRequest">]: unknown };

const TENANT = "acme";

describe.each([
  ["memory", {}],
  ["redis", { REDIS_URL: "redis://127.0.0.1:6379" }],
])("Runestone's own request fields never reach an upstream (%s)", (_backend, env) => {
  const tg = useTestGateway({
    env,
    config: {
      redis_key_prefix: `runestone-test:${randomUUID()}:`,
      webhooks: { allow_loopback: true },
      tenants: { [TENANT]: { max_concurrency: 1, overflow: "queue" } },
    },
  });

  // The callback URL of the queued requests: a receiver that answers every delivery.
  let receiver: Server;
  let callbackUrl: string;
  beforeAll(async () => {
    receiver = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  function sample(provider: "openai" | "anthropic"): Sample {
    return {
      provider,
      tenant_id: TENANT,
      model_family: "general",
      capabilities: ["chat"],
      max_cost_per_token: 1,
      request_id: `fields-${randomUUID()}`,
      routing_policy: "default",
      callback_url: callbackUrl,
    };
  }

  /** A request with a value for every gateway field the generated list names. */
  function requestWithEveryField(provider: "openai" | "anthropic", model: string): Record<string, unknown> {
    const values = sample(provider);
    return {
      model,
      messages: [{ role: "user", content: "hello" }],
      ...Object.fromEntries(GATEWAY_FIELDS.ChatCompletionRequest.map((field) => [field, values[field]])),
    };
  }

  function expectNoGatewayField(provider: "openai" | "anthropic"): void {
    const sent = tg.fake.requests.filter((request) => request.provider === provider && request.method === "POST");
    expect(sent.length).toBeGreaterThan(0);
    for (const { body } of sent) {
      for (const field of GATEWAY_FIELDS.ChatCompletionRequest) expect(body).not.toHaveProperty(field);
    }
  }

  /** Holds the tenant's only slot with a stream the upstream leaves hanging; returns its release. */
  async function holdSlot(): Promise<() => void> {
    tg.fake.once("openai", { kind: "sse", events: openaiStream({ content: "a long answer" }), hangAfterEvents: 2 });
    const controller = new AbortController();
    const response = await fetch(`${tg.url}/v1/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hold" }], tenant_id: TENANT }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    await response.body?.getReader().read();
    return () => controller.abort();
  }

  it("lists at least the fields the gateway is known to own", () => {
    expect(GATEWAY_FIELDS.ChatCompletionRequest).toEqual(
      expect.arrayContaining(["provider", "tenant_id", "request_id", "routing_policy", "callback_url"]),
    );
  });

  describe.each([
    ["openai", "gpt-4o-mini"],
    ["anthropic", "claude-haiku-4-5"],
  ] as const)("to %s", (provider, model) => {
    it("plain", async () => {
      const response = await tg.post("/v1/chat/completions", requestWithEveryField(provider, model));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ provider, choices: [{ message: { content: "echo: hello" } }] });
      expectNoGatewayField(provider);
    });

    it("streamed", async () => {
      const response = await tg.post("/v1/chat/completions", {
        ...requestWithEveryField(provider, model),
        stream: true,
      });
      expect(response.status).toBe(200);
      const events = sseData(await response.text());
      expect(events.at(-1)).toBe("[DONE]");
      expect(events.some((event) => event.includes('"error"'))).toBe(false);
      expectNoGatewayField(provider);
    });

    it("through a queued job", async () => {
      const release = await holdSlot();
      const queued = await tg.post("/v1/chat/completions", requestWithEveryField(provider, model));
      expect(queued.status).toBe(202);
      const { job_id: id } = (await queued.json()) as { job_id: string };
      release();
      await vi.waitFor(
        async () => {
          const job = await tg.fetch(`${tg.url}/v1/jobs/${id}?tenant_id=${TENANT}`);
          expect(await job.json()).toMatchObject({ status: "succeeded", result: { provider } });
        },
        { timeout: 5000, interval: 50 },
      );
      expectNoGatewayField(provider);
    });
  });
});
