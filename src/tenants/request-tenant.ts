import { GatewayError, invalidRequest } from "../errors/gateway-error.js";
import type { Principal, Tenant, TenantDirectory } from "./tenant-directory.js";

/**
 * The tenant a request is made for: the key's own, unless the body's `tenant_id` names another, which only an
 * admin key (or the open, keyless mode) may do.
 */
export function requestTenant(
  principal: Principal | undefined,
  bodyTenantId: string | undefined,
  directory: TenantDirectory,
): Tenant {
  if (!principal) throw new GatewayError("missing_api_key", "You didn't provide an API key.");
  const wanted = bodyTenantId ?? principal.tenant;
  if (wanted !== principal.tenant && !principal.mayActForOthers) {
    throw new GatewayError(
      "tenant_mismatch",
      `This API key belongs to tenant '${principal.tenant}' and may not act for '${wanted}'.`,
      { param: "tenant_id" },
    );
  }
  const tenant = directory.get(wanted);
  if (!tenant)
    throw invalidRequest(`unknown tenant '${wanted}': name 'default' or a tenant of the config file`, "tenant_id");
  return tenant;
}
