import { describe, expect, it } from "vitest";
import { BUILTIN_MODELS } from "../../src/catalog/builtin-models.js";
import type { CatalogEntry } from "../../src/catalog/catalog-entry.js";
import { ModelCatalog } from "../../src/catalog/model-catalog.js";
import { chatRoute } from "../../src/chat/chat-operation.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import type { ChatRequest } from "../../src/providers/types.js";
import { selectByCost, type CostPolicyContext } from "../../src/routing/cost-policy.js";
import type { ProviderStatus } from "../../src/routing/provider-status.js";
import { DEFAULTS } from "../support/config-defaults.js";

function model(
  id: string,
  provider: string,
  family: CatalogEntry["model_family"],
  capabilities: CatalogEntry["capabilities"],
  inputPerMillion: number,
  outputPerMillion: number,
  maxTokens = 16_384,
): CatalogEntry {
  return {
    id,
    provider,
    owned_by: provider,
    model_family: family,
    capabilities,
    context_window: 128_000,
    max_tokens: maxTokens,
    input_cost_per_million: inputPerMillion,
    output_cost_per_million: outputPerMillion,
    created: 1_700_000_000,
  };
}

/** Prices in USD per million tokens (input, output). */
const TEST_CATALOG: readonly CatalogEntry[] = [
  model("a-mini", "alpha", "general", ["chat", "streaming", "function_calling"], 0.2, 0.8),
  model("a-large", "alpha", "general", ["chat", "streaming", "function_calling", "vision"], 3, 12, 32_768),
  model("b-basic", "beta", "general", ["chat"], 0.3, 0.3, 4_096),
  model("c-flash", "gamma", "general", ["chat", "streaming", "vision"], 0.05, 0.1, 8_192),
  // Input ten times cheaper than r-output-cheap, output four times dearer: which wins depends on the request's shape.
  model("r-input-cheap", "alpha", "reasoning", ["chat", "streaming"], 0.1, 2, 100_000),
  model("r-output-cheap", "beta", "reasoning", ["chat", "streaming"], 1, 0.5, 100_000),
  model("c-coder", "gamma", "coding", ["chat", "streaming", "function_calling", "code_generation"], 2, 8),
  model("a-coder", "alpha", "coding", ["chat", "streaming", "code_generation"], 1, 4),
];

/** Twelve general models all over a 1/million cap, to check that refusals shorten long lists. */
const CROWDED_CATALOG = Array.from({ length: 12 }, (_, i) =>
  model(`m${String(i + 1).padStart(2, "0")}`, "alpha", "general", ["chat"], 2, 2),
);

const WEATHER_TOOL: NonNullable<ChatRequest["tools"]> = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    },
  },
];
const IMAGE_MESSAGE: ChatRequest["messages"] = [
  {
    role: "user",
    content: [
      { type: "text", text: "What is this?" },
      { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
    ],
  },
];
/** 160,000 characters: about 40,000 prompt tokens. */
const LONG_PROMPT: ChatRequest["messages"] = [{ role: "user", content: "x".repeat(160_000) }];

const AVAILABLE: ProviderStatus = { state: "available" };
const NOT_CONFIGURED: ProviderStatus = { state: "not_configured" };
const OPEN: ProviderStatus = { state: "circuit_open" };

interface Row {
  name: string;
  request: Partial<ChatRequest>;
  catalog?: readonly CatalogEntry[];
  /** Providers not listed are available. */
  providers?: Record<string, ProviderStatus>;
  defaultMaxTokens?: number;
  defaultModelFamily?: CatalogEntry["model_family"];
  /** The candidate ids, cheapest first… */
  ids?: string[];
  /** …or the refusal. */
  error?: { status: number; code: string; param: string | null; message: string[]; retryAfter?: string };
}

function noEligible(param: string | null, ...message: string[]): Row["error"] {
  return { status: 400, code: "no_eligible_model", param, message };
}

const ROWS: Row[] = [
  // The family and what a request's shape implies.
  {
    name: "no hints: the default family general, cheapest first",
    request: {},
    ids: ["c-flash", "b-basic", "a-mini", "a-large"],
  },
  { name: "model_family picks the family", request: { model_family: "coding" }, ids: ["a-coder", "c-coder"] },
  {
    name: "the gateway's default family replaces general",
    request: {},
    defaultModelFamily: "coding",
    ids: ["a-coder", "c-coder"],
  },
  {
    name: "the gateway's default family, refused",
    request: { capabilities: ["vision"] },
    defaultModelFamily: "coding",
    error: noEligible("capabilities", "model_family 'coding' (the default) kept 2 of 8 models"),
  },
  {
    name: "capabilities keep the models that have all of them",
    request: { capabilities: ["vision", "function_calling"] },
    ids: ["a-large"],
  },
  { name: "stream: true implies streaming", request: { stream: true }, ids: ["c-flash", "a-mini", "a-large"] },
  {
    name: "stream: false implies nothing",
    request: { stream: false },
    ids: ["c-flash", "b-basic", "a-mini", "a-large"],
  },
  { name: "tools imply function_calling", request: { tools: WEATHER_TOOL }, ids: ["a-mini", "a-large"] },
  {
    name: "an empty tools list implies nothing",
    request: { tools: [] },
    ids: ["c-flash", "b-basic", "a-mini", "a-large"],
  },
  { name: "an image part implies vision", request: { messages: IMAGE_MESSAGE }, ids: ["c-flash", "a-large"] },
  { name: "provider restricts the candidates to it", request: { provider: "alpha" }, ids: ["a-mini", "a-large"] },

  // The price cap compares the dearer of input and output price per token.
  {
    name: "max_cost_per_token removes the dearer models",
    request: { max_cost_per_token: 0.000001 },
    ids: ["c-flash", "b-basic", "a-mini"],
  },
  {
    name: "a cap equal to a model's output price keeps it",
    request: { max_cost_per_token: 0.0000008 },
    ids: ["c-flash", "b-basic", "a-mini"],
  },
  {
    name: "a cap between input and output price removes the model",
    request: { max_cost_per_token: 0.0000005 },
    ids: ["c-flash", "b-basic"],
  },

  // Room for the answer and the prompt.
  {
    name: "max_tokens removes the models that cannot answer that long",
    request: { max_tokens: 10_000 },
    ids: ["a-mini", "a-large"],
  },
  {
    name: "max tokens no general model can give",
    request: { max_completion_tokens: 50_000 },
    error: noEligible("max_completion_tokens", "max tokens 50000 removed", "a-large (at most 32768)"),
  },
  {
    name: "a prompt larger than every context window",
    request: { messages: [{ role: "user", content: "x".repeat(600_000) }] },
    error: noEligible("messages", "a prompt of about", "context window 128000"),
  },

  // The order is the estimated cost of this request.
  {
    name: "short prompt, default max tokens: the cheaper output wins",
    request: { model_family: "reasoning" },
    ids: ["r-output-cheap", "r-input-cheap"],
  },
  {
    name: "long prompt, short answer: the cheaper input wins",
    request: { model_family: "reasoning", messages: LONG_PROMPT, max_tokens: 100 },
    ids: ["r-input-cheap", "r-output-cheap"],
  },
  {
    name: "long prompt, larger max_completion_tokens: the cheaper output wins again",
    request: { model_family: "reasoning", messages: LONG_PROMPT, max_completion_tokens: 40_000 },
    ids: ["r-output-cheap", "r-input-cheap"],
  },
  {
    name: "equal estimated costs are ordered by id",
    request: {},
    catalog: [model("zeta", "alpha", "general", ["chat"], 1, 1), model("eta", "beta", "general", ["chat"], 1, 1)],
    ids: ["eta", "zeta"],
  },

  // A named model is only checked.
  { name: "a named model outside the default family", request: { model: "r-input-cheap" }, ids: ["r-input-cheap"] },
  {
    name: "a named model outside the gateway's default family",
    request: { model: "a-mini" },
    defaultModelFamily: "coding",
    ids: ["a-mini"],
  },
  { name: "a named model with its provider prefix", request: { model: "alpha/a-mini" }, ids: ["a-mini"] },
  { name: "a named dated snapshot", request: { model: "a-mini-2025-04-14", stream: true }, ids: ["a-mini"] },
  {
    name: "a named model that meets the hints",
    request: { model: "a-large", capabilities: ["vision"], tools: WEATHER_TOOL, max_cost_per_token: 0.000012 },
    ids: ["a-large"],
  },
  {
    name: "a named model without a requested capability",
    request: { model: "a-mini", capabilities: ["vision"] },
    error: noEligible(
      "capabilities",
      "The model 'a-mini' does not satisfy this request: capability 'vision' removed a-mini.",
    ),
  },
  {
    name: "a named model without an implied capability",
    request: { model: "b-basic", stream: true },
    error: noEligible("stream", "capability 'streaming' (implied by stream: true) removed b-basic"),
  },
  {
    name: "a named model over the price cap",
    request: { model: "a-large", max_cost_per_token: 0.000001 },
    error: noEligible("max_cost_per_token", "max_cost_per_token 0.000001 removed a-large (0.000012/token)"),
  },
  {
    name: "a named model of another family",
    request: { model: "a-mini", model_family: "coding" },
    error: noEligible("model_family", "model_family 'coding' removed a-mini (general)"),
  },
  {
    name: "a named model on another provider than requested",
    request: { model: "a-mini", provider: "beta" },
    error: noEligible("provider", "provider 'beta' removed a-mini (alpha)"),
  },
  {
    name: "a named model the catalog does not hold",
    request: { model: "gpt-99" },
    error: noEligible("model", "The model 'gpt-99' is not in the catalog"),
  },
  {
    name: "a provider prefix the model does not run on",
    request: { model: "beta/a-mini" },
    error: noEligible("model", "The model 'beta/a-mini' is not in the catalog"),
  },
  {
    name: "a named model whose provider is not configured",
    request: { model: "c-flash" },
    providers: { gamma: NOT_CONFIGURED },
    error: noEligible(null, "provider not configured: gamma (c-flash)"),
  },

  // Provider state.
  {
    name: "an unconfigured provider's models are removed",
    request: {},
    providers: { gamma: NOT_CONFIGURED },
    ids: ["b-basic", "a-mini", "a-large"],
  },
  {
    name: "an open breaker's models come last: failover skips them while others remain",
    request: {},
    providers: { gamma: OPEN },
    ids: ["b-basic", "a-mini", "a-large", "c-flash"],
  },
  {
    name: "every candidate behind an open breaker: all kept, cheapest first (failover probes one)",
    request: { model_family: "reasoning" },
    providers: { alpha: OPEN, beta: OPEN },
    ids: ["r-output-cheap", "r-input-cheap"],
  },
  {
    name: "unconfigured and open-circuited: the open ones are kept, the unconfigured removed",
    request: {},
    providers: { gamma: NOT_CONFIGURED, alpha: OPEN, beta: OPEN },
    ids: ["b-basic", "a-mini", "a-large"],
  },
  {
    name: "a named model behind an open breaker is kept",
    request: { model: "c-flash" },
    providers: { gamma: OPEN },
    ids: ["c-flash"],
  },

  // Refusals say which constraint removed which models.
  {
    name: "a family without the capability",
    request: { model_family: "coding", capabilities: ["vision"] },
    error: noEligible(
      "capabilities",
      "No model satisfies this request: model_family 'coding' kept 2 of 8 models; " +
        "capability 'vision' removed c-coder, a-coder.",
    ),
  },
  {
    name: "a family with no models",
    request: { model_family: "vision" },
    error: noEligible("model_family", "No model satisfies this request: model_family 'vision' kept 0 of 8 models."),
  },
  {
    name: "each constraint in turn, the last one deciding",
    request: { stream: true, tools: WEATHER_TOOL, max_cost_per_token: 0.0000005 },
    error: noEligible(
      "max_cost_per_token",
      "No model satisfies this request: model_family 'general' (the default) kept 4 of 8 models; " +
        "capability 'streaming' (implied by stream: true) removed b-basic; " +
        "capability 'function_calling' (implied by tools) removed c-flash; " +
        "max_cost_per_token 0.0000005 removed a-mini (0.0000008/token), a-large (0.000012/token).",
    ),
  },
  {
    name: "an image with a price cap",
    request: { messages: IMAGE_MESSAGE, max_cost_per_token: 0.00000001 },
    error: noEligible(
      "max_cost_per_token",
      "capability 'vision' (implied by an image in messages) removed a-mini, b-basic",
      "max_cost_per_token 0.00000001 removed a-large (0.000012/token), c-flash (0.0000001/token).",
    ),
  },
  {
    name: "the only models left are on an unconfigured provider",
    request: { max_cost_per_token: 0.0000001 },
    providers: { gamma: NOT_CONFIGURED },
    error: noEligible(
      null,
      "max_cost_per_token 0.0000001 removed a-mini (0.0000008/token), a-large (0.000012/token), " +
        "b-basic (0.0000003/token); provider not configured: gamma (c-flash).",
    ),
  },
  {
    name: "long lists are cut after eight models",
    request: { max_cost_per_token: 0.000001 },
    catalog: CROWDED_CATALOG,
    error: noEligible(
      "max_cost_per_token",
      "removed m01 (0.000002/token), m02 (0.000002/token), m03 (0.000002/token), m04 (0.000002/token), " +
        "m05 (0.000002/token), m06 (0.000002/token), m07 (0.000002/token), m08 (0.000002/token) and 4 more.",
    ),
  },

  // The built-in catalog.
  {
    name: "built-in models, no hints: the general family by estimated cost",
    request: {},
    catalog: BUILTIN_MODELS,
    defaultMaxTokens: 4096,
    ids: ["gpt-5-nano", "gpt-4.1-nano", "gpt-4o-mini", "gpt-4.1-mini", "claude-haiku-4-5", "gpt-4o", "gpt-4"],
  },
  {
    name: "built-in models, a qualified snapshot checked against its hints",
    request: { model: "anthropic/claude-sonnet-4-5-20250929", capabilities: ["vision"], model_family: "coding" },
    catalog: BUILTIN_MODELS,
    ids: ["claude-sonnet-4-5"],
  },
  {
    name: "built-in models, vision under a cap with Anthropic unconfigured",
    request: { messages: IMAGE_MESSAGE, max_cost_per_token: 0.000002 },
    catalog: BUILTIN_MODELS,
    providers: { anthropic: NOT_CONFIGURED },
    ids: ["gpt-5-nano", "gpt-4.1-nano", "gpt-4o-mini", "gpt-4.1-mini"],
  },
];

function run(row: Row) {
  const request: ChatRequest = { messages: [{ role: "user", content: "hi" }], ...row.request };
  const context: CostPolicyContext = {
    providerStatus: (provider) => row.providers?.[provider] ?? AVAILABLE,
    defaultMaxTokens: row.defaultMaxTokens ?? 1000,
    defaultModelFamily: row.defaultModelFamily ?? DEFAULTS.table.defaultModelFamily,
  };
  return selectByCost(chatRoute(request), new ModelCatalog(row.catalog ?? TEST_CATALOG), context);
}

function refusalOf(row: Row): GatewayError {
  try {
    run(row);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("selectByCost", () => {
  it.each(ROWS.filter((row) => row.ids))("$name", (row) => {
    expect(run(row).candidates.map((candidate) => candidate.entry.id)).toEqual(row.ids);
  });

  it.each(ROWS.filter((row) => row.error))("$name", (row) => {
    const error = refusalOf(row);
    const expected = row.error;
    if (expected === undefined) throw new Error("filtered to rows with an error");
    expect({ status: error.status, code: error.code, param: error.param, retryAfter: error.retryAfter }).toEqual({
      status: expected.status,
      code: expected.code,
      param: expected.param,
      retryAfter: expected.retryAfter,
    });
    expect(error.type).toBe(expected.status === 400 ? "invalid_request_error" : "service_error");
    for (const fragment of expected.message) expect(error.message).toContain(fragment);
  });

  it("estimates this request's cost from the prompt estimate and the tokens it reserves", () => {
    const selection = run({
      name: "",
      request: { model: "a-mini", messages: [{ role: "user", content: "x".repeat(400) }], max_tokens: 50, n: 2 },
    });
    const [candidate] = selection.candidates;
    // 100 tokens of text + 4 for the message + 3 priming the reply.
    expect(selection.estimatedPromptTokens).toBe(107);
    expect(candidate?.reservedCompletionTokens).toBe(100);
    expect(candidate?.estimatedCostUsd).toBeCloseTo((107 * 0.2 + 100 * 0.8) / 1e6, 15);
  });

  it("reserves the default max tokens, or the model's max_tokens when that is lower", () => {
    const selection = run({ name: "", request: {}, defaultMaxTokens: 5_000 });
    const reserved = Object.fromEntries(
      selection.candidates.map((candidate) => [candidate.entry.id, candidate.reservedCompletionTokens]),
    );
    expect(reserved).toEqual({ "c-flash": 5_000, "b-basic": 4_096, "a-mini": 5_000, "a-large": 5_000 });
  });
});
