import type { ChatRequest } from "./types.js";

/** Request fields that steer the gateway and are never sent upstream. */
export const RUNESTONE_FIELDS = [
  "provider",
  "tenant_id",
  "model_family",
  "capabilities",
  "max_cost_per_token",
  "request_id",
  "routing_policy",
] as const;

export type UpstreamRequest = Omit<ChatRequest, (typeof RUNESTONE_FIELDS)[number]>;

export function withoutRunestoneFields(request: ChatRequest): UpstreamRequest {
  const upstream: Record<string, unknown> = { ...request };
  for (const field of RUNESTONE_FIELDS) delete upstream[field];
  return upstream as UpstreamRequest;
}
