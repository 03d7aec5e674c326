import { GatewayError, invalidRequest } from "../errors.js";
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
  if (!principal)
    throw new GatewayError({
      status: 401,
      type: "authentication_error",
      code: "missing_api_key",
      message: "You didn't provide an API key.",
    });
  const wanted = bodyTenantId ?? principal.tenant;
  if (wanted !== principal.tenant && !principal.mayActForOthers) {
    throw new GatewayError({
      status: 403,
      type: "permission_error",
      code: "tenant_mismatch",
      param: "tenant_id",
      message: `This API key belongs to tenant '${principal.tenant}' and may not act for '${wanted}'.`,
    });
  }
  const tenant = directory.get(wanted);
  if (!tenant) throw invalidRequest(`unknown tenant '${wanted}'`, "tenant_id");
  return tenant;
}
