// Generated from spec/openapi.yaml by scripts/gateway-fields.ts (npm run generate): do not edit.
import type { components } from "./openapi.js";

type Schemas = components["schemas"];

/**
 * Per request schema, the properties the spec marks `x-runestone-gateway`: Runestone's own fields, which steer the
 * gateway and are never sent upstream.
 */
export const GATEWAY_FIELDS = {
  "ChatCompletionRequest": [
    "provider",
    "tenant_id",
    "model_family",
    "capabilities",
    "max_cost_per_token",
    "request_id",
    "routing_policy",
    "callback_url",
  ],
  "MessagesRequest": [
    "provider",
    "tenant_id",
    "model_family",
    "capabilities",
    "max_cost_per_token",
    "request_id",
    "routing_policy",
    "callback_url",
  ],
  "CountTokensRequest": [
    "provider",
    "tenant_id",
    "request_id",
    "routing_policy",
  ],
  "EmbeddingRequest": [
    "provider",
    "tenant_id",
    "max_cost_per_token",
    "request_id",
    "routing_policy",
    "callback_url",
  ],
} as const satisfies { [Schema in keyof Schemas]?: readonly (keyof Schemas[Schema] & string)[] };

/** The gateway-only fields of one request schema, e.g. `GatewayField<"ChatCompletionRequest">`. */
export type GatewayField<Schema extends keyof typeof GATEWAY_FIELDS> = (typeof GATEWAY_FIELDS)[Schema][number];
