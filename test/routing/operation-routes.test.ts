import { describe, expect, it } from "vitest";
import { BUILTIN_MODELS } from "../../src/catalog/builtin-models.js";
import { ModelCatalog } from "../../src/catalog/model-catalog.js";
import { chatRoute } from "../../src/chat/chat-operation.js";
import { embeddingsRoute } from "../../src/embeddings/embeddings-operation.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { estimateMessagesTokens, messagesRoute } from "../../src/messages/messages-route.js";
import type { MessagesRequest } from "../../src/providers/types.js";
import { selectByCost, type CostPolicyContext } from "../../src/routing/cost-policy.js";
import { reservedTokensOf } from "../../src/routing/route-request.js";
import { estimatePromptTokens } from "../../src/routing/token-estimate.js";

/** How each operation describes its request to routing and admission, and what cost routing makes of it. */

const catalog = new ModelCatalog(BUILTIN_MODELS);
const context: CostPolicyContext = {
  providerStatus: () => ({ state: "available" }),
  defaultMaxTokens: 1000,
  defaultModelFamily: "general",
};
const ids = (route: Parameters<typeof selectByCost>[0]) =>
  selectByCost(route, catalog, context).candidates.map((candidate) => candidate.entry.id);

const PNG = { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } as const;

describe("a Messages API request", () => {
  it("is estimated as the same chat prompt is", () => {
    const text = "x".repeat(400);
    expect(estimateMessagesTokens({ system: "y".repeat(40), messages: [{ role: "user", content: text }] })).toBe(
      estimatePromptTokens({
        messages: [
          { role: "system", content: "y".repeat(40) },
          { role: "user", content: text },
        ],
      }) - 4,
    );
  });

  it("counts images, tool calls and results, and a PDF by its size", () => {
    const base = estimateMessagesTokens({ messages: [{ role: "user", content: [] }] });
    const image = estimateMessagesTokens({ messages: [{ role: "user", content: [{ type: "image", source: PNG }] }] });
    expect(image - base).toBe(765);
    const pdf = (bytes: number) =>
      estimateMessagesTokens({
        messages: [
          {
            role: "user",
            content: [
              {
                type: "document",
                source: { type: "base64", media_type: "application/pdf", data: "A".repeat((bytes * 4) / 3) },
              },
            ],
          },
        ],
      }) - base;
    expect(pdf(10_000)).toBe(1_500 + 765);
    expect(pdf(200_000)).toBe(4 * (1_500 + 765));
    const tools = estimateMessagesTokens({
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "get", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "12 degrees" }] },
      ],
    });
    expect(tools).toBeGreaterThan(estimateMessagesTokens({ messages: [{ role: "user", content: "q" }] }) + 8);
  });

  it("asks routing for chat models, with what its shape implies", () => {
    const request: MessagesRequest = {
      model: "claude-haiku-4-5",
      max_tokens: 512,
      stream: true,
      tools: [{ name: "get", input_schema: { type: "object" } }],
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "get", input: {} }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: PNG }] }],
        },
      ],
      capabilities: ["code_generation"],
    };
    const route = messagesRoute(request);
    expect(route).toMatchObject({ serves: "chat", completion: { tokens: 512, param: "max_tokens" }, choices: 1 });
    expect(route.capabilities.map((c) => c.capability)).toEqual([
      "code_generation",
      "streaming",
      "function_calling",
      "vision",
    ]);
    expect(reservedTokensOf(route, 4096)).toBe(route.promptTokens + 512);
  });

  it("is routed by cost among chat models only", () => {
    const route = messagesRoute({ model: "", max_tokens: 100, messages: [{ role: "user", content: "hi" }] });
    const picked = ids({ ...route, model: undefined });
    expect(picked.length).toBeGreaterThan(0);
    for (const id of picked) expect(BUILTIN_MODELS.find((m) => m.id === id)?.capabilities).toContain("chat");
  });
});

describe("an embeddings request", () => {
  it("reserves its input tokens only, and fits its longest input in the context window", () => {
    const route = embeddingsRoute({ model: "text-embedding-3-small", input: ["x".repeat(40), "y".repeat(400)] });
    expect(route).toMatchObject({ serves: "embeddings", promptTokens: 110, contextTokens: 100, completion: "none" });
    expect(reservedTokensOf(route, 4096)).toBe(110);
    expect(embeddingsRoute({ model: "m", input: [[1, 2, 3], [4]] })).toMatchObject({
      promptTokens: 4,
      contextTokens: 3,
    });
    expect(embeddingsRoute({ model: "m", input: [7, 8, 9] })).toMatchObject({ promptTokens: 3, contextTokens: 3 });
  });

  it("is routed by cost among embedding models, cheapest first, whatever the gateway's default family", () => {
    const route = { ...embeddingsRoute({ input: "hello" }) };
    expect(ids(route)).toEqual(["text-embedding-3-small", "text-embedding-ada-002", "text-embedding-3-large"]);
    const coding = selectByCost(route, catalog, { ...context, defaultModelFamily: "coding" });
    expect(coding.candidates[0]?.entry.id).toBe("text-embedding-3-small");
    expect(coding.candidates[0]?.estimatedCostUsd).toBeCloseTo((2 * 0.02) / 1e6, 15);
  });

  it("refuses a chat model named under cost routing, and an input too long for every model", () => {
    const refusal = (route: Parameters<typeof selectByCost>[0]) => {
      try {
        selectByCost(route, catalog, context);
      } catch (err) {
        if (err instanceof GatewayError) return err;
      }
      throw new Error("expected a refusal");
    };
    expect(refusal(embeddingsRoute({ model: "gpt-4o-mini", input: "x" }))).toMatchObject({
      code: "no_eligible_model",
      param: "model",
    });
    expect(refusal(embeddingsRoute({ input: "x".repeat(40_000) }))).toMatchObject({
      code: "no_eligible_model",
      param: "input",
    });
  });
});

describe("a chat request", () => {
  it("is routed by cost among chat models only", () => {
    const picked = ids(chatRoute({ messages: [{ role: "user", content: "hi" }] }));
    expect(picked).not.toContain("text-embedding-3-small");
    expect(picked.length).toBeGreaterThan(0);
  });
});
