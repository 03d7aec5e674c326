import { GatewayError } from "../errors/gateway-error.js";
import type { Answer } from "../pipeline/answer.js";
import type { EventMeter, Operation, TokenCounts } from "../pipeline/operation.js";
import type { EmbeddingList, EmbeddingRequest } from "../providers/types.js";
import type { RouteRequest } from "../routing/route-request.js";
import { textTokens } from "../routing/token-estimate.js";

export type EmbeddingsAnswer = Answer<EmbeddingList, EmbeddingList>;

/** How routing and admission see an embeddings request: input tokens only, no answer tokens, no model family. */
export function embeddingsRoute(request: EmbeddingRequest): RouteRequest {
  const inputs = inputTokens(request.input);
  return {
    model: request.model,
    provider: request.provider,
    policy: request.routing_policy,
    defaultFamily: false,
    maxCostPerToken: request.max_cost_per_token,
    serves: "embeddings",
    capabilities: [],
    promptTokens: inputs.reduce((sum, tokens) => sum + tokens, 0),
    // Each input is embedded on its own: the longest must fit.
    contextTokens: Math.max(0, ...inputs),
    promptParam: "input",
    completion: "none",
    choices: 1,
  };
}

/** Each input's tokens: a string's estimated, a token array's counted (an array of numbers is one input). */
function inputTokens(input: EmbeddingRequest["input"]): number[] {
  if (typeof input === "string") return [textTokens(input)];
  if (isTokenArray(input)) return [input.length];
  return input.map((item: string | number[]) => (typeof item === "string" ? textTokens(item) : item.length));
}

function isTokenArray(input: readonly unknown[]): input is number[] {
  return input.every((item) => typeof item === "number");
}

/**
 * Embeddings (POST /v1/embeddings) through the pipeline: OpenAI's and OpenAI-compatible hosts' embeddings, the
 * list exactly as the upstream sent it (Runestone's metadata in headers), its usage the prompt tokens.
 */
export const embeddingsOperation: Operation<EmbeddingRequest, EmbeddingList, EmbeddingList, EmbeddingList> = {
  name: "embeddings",
  route: embeddingsRoute,
  callbackUrl: (request) => request.callback_url,
  job: (request) => ({ operation: "embeddings", request }),
  call: (provider, call) => provider.embeddings(call),
  meter: embeddingsMeter,
  present: (list) => list,
  collect: embeddingsOf,
};

/** The list's usage; 0 tokens means the host reported none (then the prompt estimate counts). */
function embeddingsMeter(): EventMeter<EmbeddingList> {
  let reported: TokenCounts | undefined;
  let complete = false;
  return {
    observe(list) {
      const tokens = list.usage.prompt_tokens;
      reported = tokens > 0 ? { promptTokens: tokens, completionTokens: 0 } : undefined;
      complete = true;
    },
    get reported() {
      return reported;
    },
    answerChars: 0,
    get complete() {
      return complete;
    },
  };
}

/** The embedding list, the answer's one event. */
export async function embeddingsOf(answer: EmbeddingsAnswer): Promise<EmbeddingList> {
  let list: EmbeddingList | undefined;
  for await (const event of answer.events) list = event;
  if (list === undefined) {
    throw new GatewayError("upstream_error", `Provider '${answer.routing.provider}' answered without embeddings.`);
  }
  return list;
}
