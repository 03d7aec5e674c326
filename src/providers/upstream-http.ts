import type { Dispatcher } from "undici";
import { fromUpstreamErrorBody, upstreamTimeout, upstreamUnreachable } from "./upstream-error.js";

/** Where one provider's requests go, and what every one of them carries. */
export interface UpstreamEndpoint {
  readonly provider: string;
  /** The provider's keep-alive connection pool (see upstream-agent.ts). */
  readonly dispatcher: Dispatcher;
  /** The base URL's scheme, host and port. */
  readonly origin: string;
  /** The base URL's path without a trailing slash (`/v1`), which each operation's path is appended to. */
  readonly basePath: string;
  /** Credentials, content type, `accept`: the headers of every request. */
  readonly headers: Readonly<Record<string, string>>;
  /** The time the upstream has to send its response head (providers.<name>.timeout_ms). */
  readonly timeoutMs: number;
}

export function upstreamEndpoint(options: Omit<UpstreamEndpoint, "origin" | "basePath"> & { baseURL: string }) {
  const url = new URL(options.baseURL);
  const { baseURL: _baseURL, ...rest } = options;
  return { ...rest, origin: url.origin, basePath: url.pathname.replace(/\/+$/, "") } satisfies UpstreamEndpoint;
}

/** An upstream's error answer, kept as the cause of the GatewayError made from it (for the log). */
export class UpstreamStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`Upstream answered ${status}: ${body.slice(0, 500)}`);
    this.name = "UpstreamStatusError";
  }
}

/** A request that got no response head (no connection, a reset, a timeout), with the socket's error as its cause. */
export class UpstreamConnectionError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "UpstreamConnectionError";
  }
}

/**
 * POSTs a JSON body (already serialised: a body that cannot be serialised is the gateway's failure, not the
 * upstream's) and resolves with the 2xx response, its body unread. Failures are thrown as the GatewayError the
 * client sees: no connection (502 upstream_unreachable), no response head in time (504 upstream_timeout), an error
 * status (mapped by upstream-error.ts, retry-after kept). An aborted signal rejects with its reason, and undici
 * closes the connection of a request aborted in flight.
 */
export async function postJson(
  endpoint: UpstreamEndpoint,
  path: string,
  body: string,
  signal: AbortSignal,
  extraHeaders?: Record<string, string>,
): Promise<Dispatcher.ResponseData> {
  let response: Dispatcher.ResponseData;
  try {
    response = await endpoint.dispatcher.request({
      origin: endpoint.origin,
      path: endpoint.basePath + path,
      method: "POST",
      headers: extraHeaders ? { ...endpoint.headers, ...extraHeaders } : endpoint.headers,
      body,
      signal,
      headersTimeout: endpoint.timeoutMs,
    });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const cause = new UpstreamConnectionError(err);
    const timedOut = (err as { code?: unknown }).code === "UND_ERR_HEADERS_TIMEOUT";
    throw timedOut ? upstreamTimeout(endpoint.provider, cause) : upstreamUnreachable(endpoint.provider, cause);
  }
  const { statusCode } = response;
  if (statusCode >= 200 && statusCode < 300) return response;
  const text = await response.body.text();
  const cause = new UpstreamStatusError(statusCode, text);
  const header = (name: string) => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  throw fromUpstreamErrorBody(statusCode, parsedOrText(text), header, endpoint.provider, cause);
}

/** A body parsed as JSON, else the text itself. */
export function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A 2xx response's JSON body; a body that is not JSON is the upstream's fault, thrown as an Error to be mapped. */
export async function readJson(response: Dispatcher.ResponseData): Promise<unknown> {
  const contentType = response.headers["content-type"];
  const text = await response.body.text();
  if (typeof contentType !== "string" || !contentType.includes("json")) {
    throw new Error(`answered ${response.statusCode} with content-type ${String(contentType)}: ${text.slice(0, 200)}`);
  }
  return JSON.parse(text);
}
