import { describe, expect, it } from "vitest";
import { GATEWAY_FIELDS } from "../../generated/gateway-fields.js";
import { toAnthropicRequest } from "../../src/providers/anthropic/to-anthropic-request.js";
import { toOpenAIRequest, toOpenAIStreamRequest } from "../../src/providers/openai/to-openai-request.js";
import { withoutRunestoneFields } from "../../src/providers/runestone-fields.js";
import type { ChatRequest } from "../../src/providers/types.js";

const FIELDS: readonly string[] = GATEWAY_FIELDS.ChatCompletionRequest;

/** A request carrying every field the spec marks as Runestone's own (any value: translation does not check them). */
function withEveryGatewayField(extra: Record<string, unknown> = {}): ChatRequest {
  return {
    model: "any-model",
    messages: [{ role: "user", content: "Hello" }],
    ...Object.fromEntries(FIELDS.map((field) => [field, `value of ${field}`])),
    ...extra,
  } as ChatRequest;
}

describe("Runestone's own fields, from the spec, never go upstream", () => {
  it("are listed for the chat request (generated/gateway-fields.ts)", () => {
    expect(FIELDS.length).toBeGreaterThan(0);
    expect(FIELDS).toContain("callback_url");
  });

  it("are removed, and nothing else", () => {
    const upstream = withoutRunestoneFields(
      "ChatCompletionRequest",
      withEveryGatewayField({ store: true, some_future_field: 1 }),
    );
    expect(upstream).toEqual({
      model: "any-model",
      messages: [{ role: "user", content: "Hello" }],
      store: true,
      some_future_field: 1,
    });
  });

  it("do not leave the client's request without them", () => {
    const request = withEveryGatewayField();
    withoutRunestoneFields("ChatCompletionRequest", request);
    for (const field of FIELDS) expect(request).toHaveProperty(field);
  });

  it.each([
    ["OpenAI, plain", () => toOpenAIRequest(withEveryGatewayField(), "gpt-4o-mini")],
    ["OpenAI, streamed", () => toOpenAIStreamRequest(withEveryGatewayField({ stream: true }), "gpt-4o-mini")],
    ["Anthropic", () => toAnthropicRequest(withEveryGatewayField(), { model: "claude-x", defaultMaxTokens: 10 })],
  ])("are absent from the %s request", (_name, translate) => {
    const wire = JSON.parse(JSON.stringify(translate())) as Record<string, unknown>;
    for (const field of FIELDS) expect(wire).not.toHaveProperty(field);
    expect(JSON.stringify(wire)).not.toContain("value of ");
  });
});
