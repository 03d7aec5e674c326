import { describe, expect, it } from "vitest";
import { GATEWAY_FIELDS } from "../../generated/gateway-fields.js";
import { useTestGateway } from "../support/test-gateway.js";

const tg = useTestGateway();

describe("plain chat through the OpenAI SDK", () => {
  it("answers from OpenAI with Runestone metadata and headers", async () => {
    const { data, response } = await tg.openai.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello!" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("echo: Hello!");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data).toMatchObject({ object: "chat.completion", provider: "openai", routing_policy: "default" });
    expect((data as unknown as { request_id: string }).request_id).toBe(response.headers.get("x-request-id"));
    expect(response.headers.get("x-runestone-provider")).toBe("openai");
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("answers from Anthropic in the chat.completion shape", async () => {
    const data = await tg.openai.chat.completions.create({
      model: "claude-haiku-4-5",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi there" },
      ],
      max_tokens: 100,
    });
    expect(data.choices[0]?.message).toMatchObject({ role: "assistant", content: "echo: Hi there", refusal: null });
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data).toMatchObject({ provider: "anthropic", model: "claude-haiku-4-5" });
    expect(data.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: 3 });
    const upstream = tg.fake.requests.at(-1);
    expect(upstream?.provider).toBe("anthropic");
    expect(upstream?.body).toMatchObject({
      model: "claude-haiku-4-5",
      max_tokens: 100,
      system: [{ type: "text", text: "Be brief." }],
    });
  });

  it("never sends Runestone's own fields upstream, and forwards fields the spec does not know", async () => {
    await tg.post("/v1/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
      tenant_id: "default",
      model_family: "general",
      capabilities: ["chat"],
      max_cost_per_token: 0.01,
      request_id: "mine-1",
      provider: "openai",
      store: true,
      metadata: { team: "search" },
    });
    const body = tg.fake.requests.at(-1)?.body ?? {};
    for (const field of GATEWAY_FIELDS.ChatCompletionRequest) expect(body).not.toHaveProperty(field);
    expect(body).toMatchObject({ store: true, metadata: { team: "search" }, model: "gpt-4o-mini" });
  });

  it("routes provider/model and the provider field, and sends unknown models to the default provider", async () => {
    const qualified = await tg.openai.chat.completions.create({
      model: "anthropic/claude-sonnet-4-5",
      messages: [{ role: "user", content: "a" }],
    });
    expect(qualified).toMatchObject({ provider: "anthropic", model: "claude-sonnet-4-5" });
    const snapshot = await tg.openai.chat.completions.create({
      model: "claude-sonnet-4-5-20250929",
      messages: [{ role: "user", content: "a" }],
    });
    expect(snapshot).toMatchObject({ provider: "anthropic" });
    const local = await tg.openai.chat.completions.create({
      model: "llama3.1:8b",
      messages: [{ role: "user", content: "a" }],
    });
    expect(local).toMatchObject({ provider: "openai", model: "llama3.1:8b" });
    expect(tg.fake.requests.at(-1)).toMatchObject({ provider: "openai", body: { model: "llama3.1:8b" } });
  });

  it("takes the request id from x-request-id, else from request_id, else makes one", async () => {
    const fromHeader = await tg.post(
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "a" }], request_id: "body-id" },
      { "x-request-id": "header-id" },
    );
    expect(fromHeader.headers.get("x-request-id")).toBe("header-id");
    expect(await fromHeader.json()).toMatchObject({ request_id: "header-id" });
    const fromBody = await tg.post("/v1/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "a" }],
      request_id: "body-id",
    });
    expect(fromBody.headers.get("x-request-id")).toBe("body-id");
    expect(await fromBody.json()).toMatchObject({ request_id: "body-id" });
    const generated = await tg.post("/v1/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "a" }],
    });
    expect(generated.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
  });
});
