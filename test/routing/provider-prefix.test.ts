import { describe, expect, it } from "vitest";
import { ModelCatalog } from "../../src/catalog/model-catalog.js";
import { BUILTIN_MODELS } from "../../src/catalog/builtin-models.js";
import { unknownProviderPrefix } from "../../src/routing/provider-prefix.js";

const catalog = new ModelCatalog([
  ...BUILTIN_MODELS,
  { ...(BUILTIN_MODELS[0] as (typeof BUILTIN_MODELS)[number]), id: "acme/served-whole", provider: "vllm" },
]);
const providers = ["openai", "anthropic", "vllm"];

describe("unknownProviderPrefix", () => {
  it.each([
    ["opneai/gpt-4o", /did you mean 'openai\/gpt-4o'/],
    ["OpenAI/gpt-4o", /did you mean 'openai\/gpt-4o'/],
    ["anthropc/some-new-model", /did you mean 'anthropic\/some-new-model'/],
    ["acme/gpt-4o", /'acme\/gpt-4o' starts with 'acme\/', which names no provider; this gateway knows: openai/],
  ])("refuses %j", (ref, message) => {
    const err = unknownProviderPrefix(ref, catalog, providers);
    expect(err?.code).toBe("invalid_value");
    expect(err?.param).toBe("model");
    expect(err?.message).toMatch(message);
  });

  it.each(["gpt-4o", "openai/gpt-4o", "meta-llama/llama-3.1-8b", "acme/served-whole", "/gpt-4o", "vllm/x/y"])(
    "lets %j through",
    (ref) => {
      expect(unknownProviderPrefix(ref, catalog, providers)).toBeUndefined();
    },
  );
});
