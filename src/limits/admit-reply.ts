import type { RateState } from "./gcra.js";
import { integerArrayReply } from "../state/redis-script.js";
import type { TenantLimits } from "./types.js";

/** The ADMIT script's reply, decoded (see redis-scripts.ts for the wire order). */
export interface AdmitOutcome {
  admitted: boolean;
  inFlight: number;
  requestWaitMs: number;
  tokenWaitMs: number;
  requests: RateState | undefined;
  tokens: RateState | undefined;
}

export function decodeAdmitReply(reply: unknown, limits: TenantLimits): AdmitOutcome {
  const [admitted, inFlight, requestWaitMs, tokenWaitMs, requestRemaining, requestReset, tokenRemaining, tokenReset] =
    integerArrayReply(reply, 8) as [number, number, number, number, number, number, number, number];
  return {
    admitted: admitted === 1,
    inFlight,
    requestWaitMs,
    tokenWaitMs,
    requests:
      limits.requestsPerMinute === undefined
        ? undefined
        : { limit: limits.requestsPerMinute, remaining: requestRemaining, resetMs: requestReset },
    tokens:
      limits.tokensPerMinute === undefined
        ? undefined
        : { limit: limits.tokensPerMinute, remaining: tokenRemaining, resetMs: tokenReset },
  };
}
