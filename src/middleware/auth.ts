import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import { isLoopback, listenAddressBeyondLoopback, proxyHeaderOf } from "../http/client-origin.js";
import { OPEN_MODE_TENANT, type Principal, type TenantDirectory } from "../tenants/tenant-directory.js";

/**
 * Why open mode (no keys configured) may not serve this request keylessly, or undefined when it may. Unless
 * `auth.open` says otherwise, open mode serves a loopback client of a loopback-bound gateway, and only when the
 * request carries no proxy headers: behind a local reverse proxy every client comes from 127.0.0.1, and a gateway
 * listening beyond loopback is meant for other machines (a port-forward or sidecar also connects from loopback).
 */
function openModeRefusal(ctx: AppContext, allowEveryone: boolean): string | undefined {
  if (allowEveryone) return undefined;
  if (!isLoopback(ctx.socket.remoteAddress)) return "this client is not on the gateway's machine";
  const proxyHeader = proxyHeaderOf(ctx.headers);
  if (proxyHeader) return `the request came through a proxy (it carries ${proxyHeader})`;
  const listening = listenAddressBeyondLoopback(ctx.socket);
  if (listening) return `the gateway listens on ${listening}, beyond loopback (server.host)`;
  return undefined;
}

/**
 * The bearerAuth security scheme of the spec, run before the request body is read. The key (`Authorization:
 * Bearer <key>`, the OpenAI SDK's way) names the tenant. With no keys configured the gateway runs in open mode
 * (tenant `default`, no key needed) within the bounds of openModeRefusal.
 */
export function bearerAuth(tenants: () => TenantDirectory, settings: () => { open: boolean }) {
  return function authenticate(ctx: AppContext): Principal {
    const directory = tenants();
    if (directory.open) {
      const refusal = openModeRefusal(ctx, settings().open);
      if (refusal) {
        throw new GatewayError(
          "no_api_keys_configured",
          `This gateway has no API keys configured (open mode), which serves only clients on its own machine ` +
            `without a proxy in between; here ${refusal}. Add tenants with api_keys to the config file ` +
            "(npm run hash-key prints a key's digest), or set auth.open: true to serve everyone without a key.",
        );
      }
      ctx.state.principal = { tenant: OPEN_MODE_TENANT, mayActForOthers: true };
      return ctx.state.principal;
    }
    const key = /^Bearer\s+(.+)$/i.exec(ctx.get("authorization"))?.[1]?.trim();
    if (!key)
      throw new GatewayError(
        "missing_api_key",
        "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.",
      );
    const principal = directory.authenticate(key);
    if (!principal) throw new GatewayError("invalid_api_key", "The API key you provided is not valid.");
    ctx.state.principal = principal;
    ctx.state.credentialed = true;
    return principal;
  };
}
