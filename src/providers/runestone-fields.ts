import { GATEWAY_FIELDS, type GatewayField } from "../../generated/gateway-fields.js";
import type { components } from "../../generated/openapi.js";

/** The request schemas that have fields of Runestone's own. */
export type GatewayRequestSchema = keyof typeof GATEWAY_FIELDS;

type RequestOf<Schema extends GatewayRequestSchema> = components["schemas"][Schema];

/**
 * A request as an upstream may see it: without the fields the spec marks `x-runestone-gateway` (Runestone's own,
 * listed in generated/gateway-fields.ts); fields the spec does not know are kept. (`Omit` would also drop every
 * named field, the request types having an index signature.)
 */
export type UpstreamRequest<Schema extends GatewayRequestSchema> = {
  [Key in keyof RequestOf<Schema> as Key extends GatewayField<Schema> ? never : Key]: RequestOf<Schema>[Key];
};

/** The one place Runestone's own fields are removed; every provider's translation starts here. */
export function withoutRunestoneFields<Schema extends GatewayRequestSchema>(
  schema: Schema,
  request: RequestOf<Schema>,
): UpstreamRequest<Schema> {
  const upstream: Record<string, unknown> = { ...request };
  for (const field of GATEWAY_FIELDS[schema]) delete upstream[field];
  return upstream as UpstreamRequest<Schema>;
}
