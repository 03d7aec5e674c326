import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import type { Principal, TenantDirectory } from "../tenants/tenant-directory.js";
import { bearerAuth } from "./auth.js";

/**
 * The apiKeyAuth security scheme of the spec: the key in `x-api-key`, as Anthropic clients send it (Claude Code's
 * ANTHROPIC_API_KEY, older Anthropic SDKs), naming a tenant as bearerAuth's keys do; the Messages API paths take
 * either scheme (the current Anthropic SDK sends its key as a Bearer token). Without `x-api-key`, or in the open,
 * keyless mode, it answers as bearerAuth does, so that both schemes agree on a request that has no such header.
 */
export function apiKeyAuth(tenants: () => TenantDirectory, settings: () => { open: boolean }) {
  const bearer = bearerAuth(tenants, settings);
  return function authenticate(ctx: AppContext): Principal {
    const directory = tenants();
    const key = ctx.get("x-api-key").trim();
    if (directory.open || (key === "" && ctx.get("authorization") !== "")) return bearer(ctx);
    if (key === "") {
      throw new GatewayError(
        "missing_api_key",
        "You didn't provide an API key. Send it as 'x-api-key: <key>' or 'Authorization: Bearer <key>'.",
      );
    }
    const principal = directory.authenticate(key);
    if (!principal) throw new GatewayError("invalid_api_key", "The API key you provided is not valid.");
    ctx.state.principal = principal;
    return principal;
  };
}
