import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useTestGateway } from "../support/test-gateway.js";

/**
 * A model reference whose provider prefix names no provider (`opneai/gpt-4o`) is refused with 400 param `model`,
 * naming the known providers, before anything is sent upstream, on every operation and under either policy.
 */
const tg = useTestGateway({ config: { providers: { openrouter: { base_url: "http://127.0.0.1:9/v1" } } } });

const KNOWN = /this gateway knows: openai, anthropic, openrouter/;

async function refusal(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await call.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

describe("a provider prefix that names no provider", () => {
  it.each(["default", "cost"] as const)(
    "chat completions (%s policy): 400 param model, nothing sent upstream",
    async (policy) => {
      const err = await refusal(
        tg.openai.chat.completions.create({
          model: "opneai/gpt-4o",
          messages: [{ role: "user", content: "hi" }],
          routing_policy: policy,
        } as OpenAI.ChatCompletionCreateParamsNonStreaming),
      );
      expect(err.error).toMatchObject({ type: "invalid_request_error", code: "invalid_value", param: "model" });
      expect(err.message).toMatch(/'opneai\/gpt-4o' starts with 'opneai\/', which names no provider/);
      expect(err.message).toMatch(/did you mean 'openai\/gpt-4o'\?/);
      expect(err.message).toMatch(KNOWN);
      expect(tg.fake.requests).toHaveLength(0);
    },
  );

  it("a prefix before a catalog model is refused even when it is no near miss", async () => {
    const err = await refusal(
      tg.openai.chat.completions.create({ model: "acme/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    );
    expect(err.message).toMatch(/'acme\/gpt-4o-mini' starts with 'acme\/', which names no provider; /);
    expect(err.message).toMatch(KNOWN);
    expect(tg.fake.requests).toHaveLength(0);
  });

  it("embeddings: 400 param model, nothing sent upstream", async () => {
    const err = await refusal(tg.openai.embeddings.create({ model: "OpenAI/text-embedding-3-small", input: "hi" }));
    expect(err.error).toMatchObject({ code: "invalid_value", param: "model" });
    expect(err.message).toMatch(/did you mean 'openai\/text-embedding-3-small'\?/);
    expect(err.message).toMatch(KNOWN);
    expect(tg.fake.requests).toHaveLength(0);
  });

  it("messages: 400 in Anthropic's shape, nothing sent upstream", async () => {
    const client = new Anthropic({ baseURL: tg.url, apiKey: "sk-client", maxRetries: 0, fetch: tg.contract.fetch });
    const err = await client.messages
      .create({ model: "antrhopic/claude-haiku-4-5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (err as InstanceType<typeof Anthropic.APIError>).error as { type: string; error: { message: string } };
    expect(body.type).toBe("error");
    expect(body.error.message).toMatch(/did you mean 'anthropic\/claude-haiku-4-5'\?/);
    expect(body.error.message).toMatch(KNOWN);
    expect(tg.fake.requests).toHaveLength(0);
  });

  it("a model name with slashes of its own still goes upstream as it is", async () => {
    const answer = await tg.openai.chat.completions.create({
      model: "meta-llama/llama-3.1-8b",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.model).toBe("meta-llama/llama-3.1-8b");
    expect(tg.fake.requests.at(-1)?.body).toMatchObject({ model: "meta-llama/llama-3.1-8b" });
  });
});
