import { GATEWAY_FIELDS, type GatewayField } from "../../generated/gateway-fields.js";
import type { ChatRequest } from "./types.js";

type RunestoneField = GatewayField<"ChatCompletionRequest">;

/**
 * The request as an upstream may see it: without the fields the spec marks `x-runestone-gateway` (Runestone's own,
 * listed in generated/gateway-fields.ts); fields the spec does not know are kept. (`Omit` would also drop every
 * named field, the request type having an index signature.)
 */
export type UpstreamRequest = {
  [Key in keyof ChatRequest as Key extends RunestoneField ? never : Key]: ChatRequest[Key];
};

/** The one place Runestone's own fields are removed; every provider's translation starts here. */
export function withoutRunestoneFields(request: ChatRequest): UpstreamRequest {
  const upstream: Record<string, unknown> = { ...request };
  for (const field of GATEWAY_FIELDS.ChatCompletionRequest) delete upstream[field];
  return upstream as UpstreamRequest;
}
