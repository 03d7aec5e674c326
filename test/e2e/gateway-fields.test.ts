import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GATEWAY_FIELDS, type GatewayField } from "../../generated/gateway-fields.js";
import { openaiStream } from "../fake-upstream/index.js";
import { sseData } from "../support/contract.js";
import { useTestGateway } from "../support/test-gateway.js";

/**
 * Every request field the spec marks `x-runestone-gateway` (generated/gateway-fields.ts), sent with every operation
 * (chat, messages, embeddings, token counting) to every provider that serves it, plain, streamed and through a queued
 * job: none reaches the upstream (whose fake, like the real APIs, would answer an unknown field with 400). A field
 * newly marked in the spec fails `tsc` here until it has a valid sample value.
 */
type Schema = keyof typeof GATEWAY_FIELDS;
type Sample = { [Field in GatewayField<Schema>]: unknown };

/** An operation's request: its path, the schema that marks its fields, and a valid body without them. */
interface OperationCase {
  path: string;
  schema: Schema;
  body(model: string): Record<string, unknown>;
  /** Whether it can be queued (token counting is never), and streamed (embeddings never are). */
  queues: boolean;
  streams: boolean;
}

const hello = [{ role: "user", content: "hello" }];
const CHAT: OperationCase = {
  path: "/v1/chat/completions",
  schema: "ChatCompletionRequest",
  body: (model) => ({ model, messages: hello }),
  queues: true,
  streams: true,
};
const MESSAGES: OperationCase = {
  path: "/v1/messages",
  schema: "MessagesRequest",
  body: (model) => ({ model, max_tokens: 64, messages: hello }),
  queues: true,
  streams: true,
};
const COUNT_TOKENS: OperationCase = {
  path: "/v1/messages/count_tokens",
  schema: "CountTokensRequest",
  body: (model) => ({ model, messages: hello }),
  queues: false,
  streams: false,
};
const EMBEDDINGS: OperationCase = {
  path: "/v1/embeddings",
  schema: "EmbeddingRequest",
  body: (model) => ({ model, input: "hello" }),
  queues: true,
  streams: false,
};

const TARGETS = [
  ["chat", CHAT, "openai", "gpt-4o-mini"],
  ["chat", CHAT, "anthropic", "claude-haiku-4-5"],
  ["messages", MESSAGES, "openai", "gpt-4o-mini"],
  ["messages", MESSAGES, "anthropic", "claude-haiku-4-5"],
  ["token counting", COUNT_TOKENS, "anthropic", "claude-haiku-4-5"],
  ["embeddings", EMBEDDINGS, "openai", "text-embedding-3-small"],
] as const;

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

  /** A request with a value for every gateway field the generated list of its schema names. */
  function requestWithEveryField(
    operation: OperationCase,
    provider: "openai" | "anthropic",
    model: string,
  ): Record<string, unknown> {
    const values = sample(provider);
    const fields: readonly GatewayField<Schema>[] = GATEWAY_FIELDS[operation.schema];
    return { ...operation.body(model), ...Object.fromEntries(fields.map((field) => [field, values[field]])) };
  }

  function expectNoGatewayField(provider: "openai" | "anthropic"): void {
    const sent = tg.fake.requests.filter((request) => request.provider === provider && request.method === "POST");
    expect(sent.length).toBeGreaterThan(0);
    const every = new Set(Object.values(GATEWAY_FIELDS).flat());
    for (const { body } of sent) for (const field of every) expect(body).not.toHaveProperty(field);
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

  describe.each(TARGETS)("%s to %s", (_name, operation, provider, model) => {
    it("plain", async () => {
      const response = await tg.post(operation.path, requestWithEveryField(operation, provider, model));
      expect(response.status).toBe(200);
      expect(response.headers.get("x-runestone-provider")).toBe(provider);
      if (operation === CHAT) {
        expect(await response.json()).toMatchObject({ provider, choices: [{ message: { content: "echo: hello" } }] });
      } else {
        await response.json();
      }
      expectNoGatewayField(provider);
    });
  });

  describe.each(TARGETS.filter(([, operation]) => operation.streams))(
    "%s to %s",
    (_name, operation, provider, model) => {
      it("streamed", async () => {
        const response = await tg.post(operation.path, {
          ...requestWithEveryField(operation, provider, model),
          stream: true,
        });
        expect(response.status).toBe(200);
        const events = sseData(await response.text());
        expect(events.at(-1)).toBe(operation === CHAT ? "[DONE]" : '{"type":"message_stop"}');
        expect(events.some((event) => event.includes('"error"'))).toBe(false);
        expectNoGatewayField(provider);
      });
    },
  );

  describe.each(TARGETS.filter(([, operation]) => operation.queues))(
    "%s to %s",
    (_name, operation, provider, model) => {
      it("through a queued job", async () => {
        const release = await holdSlot();
        const queued = await tg.post(operation.path, requestWithEveryField(operation, provider, model));
        expect(queued.status).toBe(202);
        const { job_id: id } = (await queued.json()) as { job_id: string };
        release();
        await vi.waitFor(
          async () => {
            const job = await tg.fetch(`${tg.url}/v1/jobs/${id}?tenant_id=${TENANT}`);
            expect(await job.json()).toMatchObject({
              status: "succeeded",
              ...(operation === CHAT ? { result: { provider } } : {}),
            });
          },
          { timeout: 5000, interval: 50 },
        );
        expectNoGatewayField(provider);
      });
    },
  );
});
