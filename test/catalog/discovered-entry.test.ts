import type { Model } from "openai/resources/models";
import { describe, expect, it } from "vitest";
import { BUILTIN_MODELS } from "../../src/catalog/builtin-models.js";
import { discoveredEntry } from "../../src/catalog/discovered-entry.js";
import { toModelObject } from "../../src/catalog/model-catalog.js";
import { fromOpenAIModel, isModelName } from "../../src/providers/openai/from-openai-model.js";

const listed = (fields: Record<string, unknown>): Model =>
  ({ object: "model", created: 0, owned_by: "", ...fields }) as Model;

describe("a model an OpenAI-compatible host lists", () => {
  it("takes its context window from the field the host uses", () => {
    expect(fromOpenAIModel(listed({ id: "a", max_model_len: 32768 })).context_window).toBe(32768);
    expect(fromOpenAIModel(listed({ id: "b", context_length: 131072 })).context_window).toBe(131072);
    expect(fromOpenAIModel(listed({ id: "c", context_window: "big" })).context_window).toBeUndefined();
    expect(fromOpenAIModel(listed({ id: "d", created: 1700000000, owned_by: "library" }))).toEqual({
      id: "d",
      created: 1700000000,
      owned_by: "library",
    });
  });

  it("is served only under a name that can be a header value", () => {
    expect(["llama3.1", "meta-llama/Llama-3.1-8B-Instruct", "qwen2.5-coder:7b"].every(isModelName)).toBe(true);
    expect([undefined, 7, "", "bad\nname", "💩", "x".repeat(257)].some(isModelName)).toBe(false);
  });

  it("is unpriced, a chat model unless its name says embed, and keeps what a built-in model of its id can do", () => {
    const llama = discoveredEntry("ollama", { id: "llama3.1" }, undefined);
    expect(llama).toMatchObject({ provider: "ollama", owned_by: "ollama", capabilities: ["chat", "streaming"] });
    expect(toModelObject(llama).cost_per_1k_tokens).toBeNull();
    expect(discoveredEntry("ollama", { id: "nomic-embed-text" }, undefined)).toMatchObject({
      capabilities: ["embeddings"],
      max_tokens: 0,
    });
    const gpt4o = BUILTIN_MODELS.find((m) => m.id === "gpt-4o");
    const proxied = discoveredEntry("proxy", { id: "gpt-4o", owned_by: "openai" }, gpt4o);
    expect(proxied).toMatchObject({
      provider: "proxy",
      capabilities: gpt4o?.capabilities,
      context_window: 128_000,
      unpriced: true,
    });
  });
});
