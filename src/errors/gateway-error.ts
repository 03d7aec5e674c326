import type { components } from "../../generated/openapi.js";
import { ERROR_TABLE, type ErrorCode, type ErrorTraits, type ErrorType } from "./error-table.js";

export type ErrorBody = components["schemas"]["Error"];

export interface GatewayErrorOptions {
  param?: string | null;
  /** How long the client should wait before retrying; sent as `retry-after` (whole seconds, rounded up). */
  retryAfterMs?: number;
  /** More response headers (the rate-limit headers of a 429, say). */
  headers?: Record<string, string>;
  /** What caused it (the SDK or socket error behind a 502, say): kept for the logs, never shown to clients. */
  cause?: unknown;
}

/**
 * Every error a client sees is one of these: a code of the error table (which gives its HTTP status and type), a
 * message for people, the field at fault, and the OpenAI error shape on the wire.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly retryAfterMs: number | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.param = options.param ?? null;
    this.retryAfterMs = options.retryAfterMs;
    this.headers = options.headers ?? {};
  }

  get traits(): ErrorTraits {
    return ERROR_TABLE[this.code];
  }

  get status(): number {
    return this.traits.status;
  }

  get type(): ErrorType {
    return this.traits.type;
  }

  /** The `retry-after` header value (delay-seconds), when there is one. */
  get retryAfter(): string | undefined {
    return this.retryAfterMs === undefined ? undefined : String(Math.max(0, Math.ceil(this.retryAfterMs / 1000)));
  }

  /**
   * Every header the answer carries: its own, plus `retry-after` when set. Every 429 has one, so that clients
   * (the OpenAI SDK retries 429s by itself) wait rather than hammer: a second when nobody said how long.
   */
  responseHeaders(): Record<string, string> {
    const retryAfter = this.retryAfter ?? (this.status === 429 ? "1" : undefined);
    return retryAfter === undefined ? { ...this.headers } : { ...this.headers, "retry-after": retryAfter };
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export function invalidRequest(
  message: string,
  param: string | null = null,
  code: ErrorCode = "invalid_value",
): GatewayError {
  return new GatewayError(code, message, { param });
}

/** May the same request succeed if sent again? Only for what the error table marks retryable (upstream faults). */
export function isRetryable(err: unknown): err is GatewayError {
  return err instanceof GatewayError && err.traits.retryable;
}
