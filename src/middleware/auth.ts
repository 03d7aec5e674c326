import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import { OPEN_MODE_TENANT, type Principal, type TenantDirectory } from "../tenants/tenant-directory.js";

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/**
 * The bearerAuth security scheme of the spec: operations that declare it run this before validation. The key
 * (`Authorization: Bearer <key>`, the OpenAI SDK's way) names the tenant. With no keys configured the gateway is
 * open to loopback clients only (the socket's address: a proxy in front must use keys).
 */
export function bearerAuth(tenants: () => TenantDirectory) {
  return function authenticate(ctx: AppContext): Principal {
    const directory = tenants();
    const header = ctx.get("authorization");
    const key = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (directory.open) {
      if (!isLoopback(ctx.socket.remoteAddress)) {
        throw new GatewayError(
          "no_api_keys_configured",
          "This gateway has no API keys configured, so it only serves clients on this machine. " +
            "Add tenants with api_keys to the config file (npm run hash-key prints a key's digest).",
        );
      }
      ctx.state.principal = { tenant: OPEN_MODE_TENANT, mayActForOthers: true };
      return ctx.state.principal;
    }
    if (!key)
      throw new GatewayError(
        "missing_api_key",
        "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.",
      );
    const principal = directory.authenticate(key);
    if (!principal) throw new GatewayError("invalid_api_key", "The API key you provided is not valid.");
    ctx.state.principal = principal;
    return principal;
  };
}
