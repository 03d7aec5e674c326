import type { components } from "../generated/openapi.js";

export type ErrorType = components["schemas"]["ErrorType"];
export type ErrorBody = components["schemas"]["Error"];

export interface GatewayErrorInit {
  status: number;
  type: ErrorType;
  message: string;
  code?: string | null;
  param?: string | null;
  /** Seconds, sent as `retry-after` when set. */
  retryAfter?: string;
  /** More response headers (the rate-limit headers of a 429, say). */
  headers?: Record<string, string>;
  /** The upstream's `retry-after-ms`, kept at full precision for the retry policy (retryAfter rounds it up). */
  retryAfterMs?: number;
}

/** Every error a client sees is one of these; it carries its HTTP status and the OpenAI error shape. */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly retryAfter: string | undefined;
  readonly headers: Record<string, string>;
  readonly retryAfterMs: number | undefined;

  constructor(init: GatewayErrorInit) {
    super(init.message);
    this.name = "GatewayError";
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.retryAfter = init.retryAfter;
    this.headers = init.headers ?? {};
    this.retryAfterMs = init.retryAfterMs;
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export function invalidRequest(message: string, param: string | null = null, code = "invalid_value"): GatewayError {
  return new GatewayError({ status: 400, type: "invalid_request_error", message, param, code });
}
