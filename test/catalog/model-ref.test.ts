import { describe, expect, it } from "vitest";
import { formatModelRef, parseModelRef, type ModelRef } from "../../src/catalog/model-ref.js";
import { parseConfig } from "../../src/config/load-config.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { buildRoutingTable } from "../../src/routing/build-routing-table.js";
import { resolveTarget } from "../../src/routing/resolve-target.js";

const PROVIDERS = new Set(["openai", "anthropic", "openrouter"]);
const isProvider = (name: string): boolean => PROVIDERS.has(name);

describe("parseModelRef", () => {
  it.each<[string, ModelRef]>([
    ["gpt-4o", { model: "gpt-4o" }],
    ["openai/gpt-4o", { provider: "openai", model: "gpt-4o" }],
    ["anthropic/claude-sonnet-4-5", { provider: "anthropic", model: "claude-sonnet-4-5" }],
    // The model's own slashes stay in its name.
    ["openrouter/meta-llama/llama-3.1-8b", { provider: "openrouter", model: "meta-llama/llama-3.1-8b" }],
    ["meta-llama/llama-3.1-8b", { model: "meta-llama/llama-3.1-8b" }],
    // A prefix that names no provider (a typo, say) is part of the model's name; the router refuses typos.
    ["opneai/gpt-4o", { model: "opneai/gpt-4o" }],
    ["OpenAI/gpt-4o", { model: "OpenAI/gpt-4o" }],
    ["/gpt-4o", { model: "/gpt-4o" }],
    ["openai/", { provider: "openai", model: "" }],
    ["openai", { model: "openai" }],
    ["", { model: "" }],
  ])("%j → %j", (ref, expected) => {
    expect(parseModelRef(ref, isProvider)).toEqual(expected);
  });

  it("formats a qualified reference back as it was", () => {
    for (const ref of ["openai/gpt-4o", "openrouter/meta-llama/llama-3.1-8b"]) {
      const { provider, model } = parseModelRef(ref, isProvider);
      expect(provider).toBeDefined();
      expect(formatModelRef(provider ?? "", model)).toBe(ref);
    }
  });
});

describe("resolveTarget reads model references with it", () => {
  const table = buildRoutingTable(
    parseConfig(
      { providers: { openrouter: { base_url: "http://127.0.0.1:1/v1" } } },
      { OPENAI_API_KEY: "sk-test", ANTHROPIC_API_KEY: "sk-ant-test" },
      "test",
    ),
  );
  const resolve = (model: string, provider?: string) => {
    const target = resolveTarget(
      { model, ...(provider ? { provider } : {}) },
      table.catalog,
      table.providers,
      table.defaultProvider,
    );
    return [target.provider.name, target.model, target.entry?.id ?? null];
  };

  it.each<[string, string | undefined, [string, string, string | null]]>([
    ["gpt-4o", undefined, ["openai", "gpt-4o", "gpt-4o"]],
    ["openai/gpt-4o", undefined, ["openai", "gpt-4o", "gpt-4o"]],
    ["claude-sonnet-4-5", undefined, ["anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5"]],
    ["claude-next-7", undefined, ["anthropic", "claude-next-7", null]],
    ["openrouter/meta-llama/llama-3.1-8b", undefined, ["openrouter", "meta-llama/llama-3.1-8b", null]],
    ["meta-llama/llama-3.1-8b", undefined, ["openai", "meta-llama/llama-3.1-8b", null]],
    ["opneai/gpt-4o", undefined, ["openai", "opneai/gpt-4o", null]],
    ["gpt-4o", "openrouter", ["openrouter", "gpt-4o", null]],
    ["openrouter/gpt-4o", "openrouter", ["openrouter", "gpt-4o", null]],
  ])("%j (provider %j) → %j", (model, provider, expected) => {
    expect(resolve(model, provider)).toEqual(expected);
  });

  it("refuses a reference whose provider contradicts the request's", () => {
    expect(() => resolve("openai/gpt-4o", "anthropic")).toThrow(GatewayError);
    expect(() => resolve("openai/gpt-4o", "anthropic")).toThrow(/names provider 'openai' but provider is 'anthropic'/);
  });
});
