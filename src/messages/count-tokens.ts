import type { Routing } from "../pipeline/answer.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { CountTokensPayload } from "../providers/types.js";
import type { Tenant } from "../tenants/tenant-directory.js";
import { messagesRoute } from "./messages-route.js";

export interface TokenCount {
  inputTokens: number;
  /** Counted by the provider (Claude's count_tokens), or estimated by the gateway. */
  exact: boolean;
  routing: Routing;
}

export interface CountTokensInput {
  tenant: Tenant;
  payload: CountTokensPayload;
  requestId: string;
  signal: AbortSignal;
}

/**
 * A Messages request's input tokens, routed as the request would be: the provider's own count when it has one
 * (Anthropic's count_tokens endpoint, for Claude), else the gateway's estimate. No slot, no usage: counting is free.
 */
export async function countTokens(
  pipeline: Pipeline,
  { tenant, payload, requestId, signal }: CountTokensInput,
): Promise<TokenCount> {
  const route = messagesRoute(payload.body);
  const { value, routing } = await pipeline.probe(route, tenant, requestId, signal, async (candidate, attempt) => {
    const counted = await candidate.provider.countTokens?.({
      request: payload,
      model: candidate.model,
      signal: attempt,
    });
    return counted === undefined
      ? { inputTokens: route.promptTokens, exact: false }
      : { inputTokens: counted, exact: true };
  });
  return { ...value, routing };
}
