import type { CreateEmbeddingResponse } from "openai/resources/embeddings";
import type { EmbeddingList } from "../types.js";

/**
 * An OpenAI-compatible host's embeddings answer in OpenAI's shape, which clients are built on: hosts that leave out
 * `object`, an item's `index` or the `usage` get them filled in (usage as zeros: the host reported none, and the
 * gateway accounts the request with its own estimate). Vectors stay as the host sent them (floats, or base64).
 */
export function fromOpenAIEmbeddings(response: Partial<CreateEmbeddingResponse>, model: string): EmbeddingList {
  return {
    object: "list",
    data: (response.data ?? []).map((item, i) => ({
      object: "embedding",
      index: item.index ?? i,
      // Typed as numbers by the SDK; a base64 answer carries a string here, as the spec allows.
      embedding: item.embedding,
    })),
    model: response.model ?? model,
    usage: response.usage ?? { prompt_tokens: 0, total_tokens: 0 },
  };
}
