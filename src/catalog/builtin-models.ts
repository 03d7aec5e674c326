import type { CatalogEntry } from "./catalog-entry.js";

/**
 * Current chat models of the two built-in providers, and OpenAI's embedding models, with list prices in USD per
 * million tokens.
 * The config file's `models` list adds entries and overrides these by id.
 */
export const BUILTIN_MODELS: readonly CatalogEntry[] = [
  openai(
    "gpt-4o-mini",
    "general",
    ["chat", "streaming", "function_calling", "vision", "code_generation"],
    128_000,
    16_384,
    0.15,
    0.6,
    1721260800,
  ),
  openai(
    "gpt-4o",
    "general",
    ["chat", "streaming", "function_calling", "vision", "code_generation"],
    128_000,
    16_384,
    2.5,
    10,
    1715558400,
  ),
  openai(
    "gpt-4.1",
    "coding",
    ["chat", "streaming", "function_calling", "vision", "code_generation"],
    1_047_576,
    32_768,
    2,
    8,
    1744588800,
  ),
  openai(
    "gpt-4.1-mini",
    "general",
    ["chat", "streaming", "function_calling", "vision", "code_generation"],
    1_047_576,
    32_768,
    0.4,
    1.6,
    1744588800,
  ),
  openai(
    "gpt-4.1-nano",
    "general",
    ["chat", "streaming", "function_calling", "vision"],
    1_047_576,
    32_768,
    0.1,
    0.4,
    1744588800,
  ),
  openai(
    "gpt-5",
    "reasoning",
    ["chat", "streaming", "function_calling", "vision", "code_generation"],
    400_000,
    128_000,
    1.25,
    10,
    1754524800,
  ),
  openai(
    "gpt-5-mini",
    "reasoning",
    ["chat", "streaming", "function_calling", "vision", "code_generation"],
    400_000,
    128_000,
    0.25,
    2,
    1754524800,
  ),
  openai(
    "gpt-5-nano",
    "general",
    ["chat", "streaming", "function_calling", "vision"],
    400_000,
    128_000,
    0.05,
    0.4,
    1754524800,
  ),
  openai(
    "o3",
    "reasoning",
    ["chat", "streaming", "function_calling", "vision", "code_generation"],
    200_000,
    100_000,
    2,
    8,
    1744761600,
  ),
  openai(
    "o4-mini",
    "reasoning",
    ["chat", "streaming", "function_calling", "vision", "code_generation"],
    200_000,
    100_000,
    1.1,
    4.4,
    1744761600,
  ),
  openai(
    "gpt-4",
    "general",
    ["chat", "streaming", "function_calling", "code_generation"],
    8_192,
    8_192,
    30,
    60,
    1687882411,
  ),
  anthropic("claude-opus-4-1", "reasoning", 200_000, 32_000, 15, 75, 1754352000),
  anthropic("claude-opus-4-5", "reasoning", 200_000, 64_000, 5, 25, 1763942400),
  anthropic("claude-sonnet-4-5", "coding", 200_000, 64_000, 3, 15, 1759104000),
  anthropic("claude-haiku-4-5", "general", 200_000, 64_000, 1, 5, 1760486400),
  openaiEmbedding("text-embedding-3-small", 0.02, 1705953180),
  openaiEmbedding("text-embedding-3-large", 0.13, 1705953180),
  openaiEmbedding("text-embedding-ada-002", 0.1, 1671217299),
];

function openai(
  id: string,
  family: CatalogEntry["model_family"],
  capabilities: CatalogEntry["capabilities"],
  contextWindow: number,
  maxTokens: number,
  inputPerMillion: number,
  outputPerMillion: number,
  created: number,
): CatalogEntry {
  return {
    id,
    provider: "openai",
    owned_by: "openai",
    model_family: family,
    capabilities,
    context_window: contextWindow,
    max_tokens: maxTokens,
    input_cost_per_million: inputPerMillion,
    output_cost_per_million: outputPerMillion,
    created,
  };
}

function anthropic(
  id: string,
  family: CatalogEntry["model_family"],
  contextWindow: number,
  maxTokens: number,
  inputPerMillion: number,
  outputPerMillion: number,
  created: number,
): CatalogEntry {
  return {
    id,
    provider: "anthropic",
    owned_by: "anthropic",
    model_family: family,
    capabilities: ["chat", "streaming", "function_calling", "vision", "code_generation"],
    context_window: contextWindow,
    max_tokens: maxTokens,
    input_cost_per_million: inputPerMillion,
    output_cost_per_million: outputPerMillion,
    created,
  };
}

/** An OpenAI embedding model: 8,191 input tokens, priced per input token (its answer is a vector, not tokens). */
function openaiEmbedding(id: string, inputPerMillion: number, created: number): CatalogEntry {
  return {
    id,
    provider: "openai",
    owned_by: "openai",
    model_family: "general",
    capabilities: ["embeddings"],
    context_window: 8_191,
    max_tokens: 0,
    input_cost_per_million: inputPerMillion,
    output_cost_per_million: 0,
    created,
  };
}
