import { createHash, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import { isLoopback } from "./auth.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * The metricsToken security scheme of the spec: loopback clients (a Prometheus sidecar, say) read /metrics
 * freely unless `metrics.loopback_without_token` is off; others need `Authorization: Bearer <metrics.token>`.
 */
export function metricsAuth(settings: () => { token?: string; loopback_without_token: boolean }) {
  return function authorize(ctx: AppContext): true {
    const { token: expected, loopback_without_token: loopbackFree } = settings();
    if (loopbackFree && isLoopback(ctx.socket.remoteAddress)) return true;
    const given = /^Bearer\s+(.+)$/i.exec(ctx.get("authorization"))?.[1]?.trim();
    if (expected !== undefined && given !== undefined && timingSafeEqual(digest(given), digest(expected))) return true;
    throw new GatewayError(
      given === undefined ? "missing_api_key" : "invalid_api_key",
      expected === undefined
        ? "Metrics are served to loopback clients only; set metrics.token to allow others."
        : "Send the metrics token (metrics.token) as 'Authorization: Bearer <token>'.",
    );
  };
}
