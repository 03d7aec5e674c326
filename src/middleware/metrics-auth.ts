import { createHash, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import { isLoopback, proxyHeaderOf } from "../http/client-origin.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * The metricsToken security scheme of the spec: `Authorization: Bearer <metrics.token>`. With
 * `metrics.loopback_without_token` loopback clients (a Prometheus sidecar) need no token, unless the request came
 * through a proxy (it carries proxy headers), whose clients all look like loopback.
 */
export function metricsAuth(settings: () => { token?: string; loopback_without_token: boolean }) {
  return function authorize(ctx: AppContext): true {
    const { token: expected, loopback_without_token: loopbackFree } = settings();
    if (loopbackFree && isLoopback(ctx.socket.remoteAddress) && !proxyHeaderOf(ctx.headers)) return true;
    const given = /^Bearer\s+(.+)$/i.exec(ctx.get("authorization"))?.[1]?.trim();
    if (expected !== undefined && given !== undefined && timingSafeEqual(digest(given), digest(expected))) {
      ctx.state.credentialed = true;
      return true;
    }
    throw new GatewayError(
      given === undefined ? "missing_api_key" : "invalid_api_key",
      expected === undefined
        ? "Metrics need a token: set metrics.token (or metrics.loopback_without_token for local scrapers)."
        : "Send the metrics token (metrics.token) as 'Authorization: Bearer <token>'.",
    );
  };
}
