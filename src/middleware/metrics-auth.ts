import { createHash, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../errors.js";
import type { AppContext } from "../http/app-state.js";
import { isLoopback } from "./auth.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * The metricsToken security scheme of the spec: loopback clients (a Prometheus sidecar, say) read /metrics
 * freely; others need `Authorization: Bearer <metrics.token>`.
 */
export function metricsAuth(token: () => string | undefined) {
  return function authorize(ctx: AppContext): true {
    if (isLoopback(ctx.socket.remoteAddress)) return true;
    const expected = token();
    const given = /^Bearer\s+(.+)$/i.exec(ctx.get("authorization"))?.[1]?.trim();
    if (expected !== undefined && given !== undefined && timingSafeEqual(digest(given), digest(expected))) return true;
    throw new GatewayError({
      status: 401,
      type: "authentication_error",
      code: given === undefined ? "missing_api_key" : "invalid_api_key",
      message: expected === undefined ? "Metrics are served to loopback clients only; set metrics.token to allow others." : "Send the metrics token as 'Authorization: Bearer <token>'.",
    });
  };
}
