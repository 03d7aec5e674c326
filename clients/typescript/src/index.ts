import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "../generated/openapi.js";

/**
 * A typed client for Runestone's non-streaming operations: the paths, parameters, bodies and answers are the types
 * `npm run generate` derives from spec/openapi.yaml, and openapi-fetch turns them into typed `GET`/`POST`/`DELETE`
 * calls, so a spec change that breaks clients breaks the code (and the tests) that use it.
 *
 *   const runestone = createRunestoneClient({ baseUrl: "http://localhost:4001", apiKey: process.env.RUNESTONE_KEY });
 *   const { data, error } = await runestone.GET("/v1/models/{model}", { params: { path: { model: "gpt-4o-mini" } } });
 *
 * Each call resolves to `{ data, error, response }`: `data` on 2xx, `error` otherwise (the `{ error: {...} }` body,
 * or on the Messages API paths Anthropic's `{ type: "error", error: {...} }`, as the spec types each).
 * For streamed chat use the OpenAI SDK (`baseURL: "<baseUrl>/v1"`) or `POST /v1/chat/stream` with fetch; for
 * streamed messages the Anthropic SDK (`baseURL: "<baseUrl>"`).
 */

export type { components, operations, paths } from "../generated/openapi.js";

/** Every operation but the streaming one (`/v1/chat/stream` always answers with server-sent events). */
export type RunestonePaths = Omit<paths, "/v1/chat/stream">;

/**
 * Answers are typed from their `application/json` content; text answers (docs, spec, metrics) take `parseAs: "text"`.
 */
export type RunestoneClient = Client<RunestonePaths, "application/json">;

export interface RunestoneClientOptions {
  /**
   * Where the gateway is, without `/v1`: `http://localhost:4001` (or `https://example.com/llm` when mounted under a
   * prefix).
   */
  baseUrl: string;
  /**
   * A tenant's API key, sent as `Authorization: Bearer <key>`. Optional for the open (keyless) mode and the public
   * operations.
   */
  apiKey?: string | undefined;
  /** The fetch to use (a test's recording fetch, a proxy-aware one...); `globalThis.fetch` by default. */
  fetch?: ((input: Request) => Promise<Response>) | undefined;
  /** More headers for every request (`x-request-id`, `x-runestone-overflow`...). */
  headers?: Record<string, string> | undefined;
}

export function createRunestoneClient(options: RunestoneClientOptions): RunestoneClient {
  const client = createClient<RunestonePaths, "application/json">({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  if (options.apiKey) client.use(bearer(options.apiKey));
  return client;
}

function bearer(apiKey: string): Middleware {
  return {
    onRequest({ request }) {
      if (!request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${apiKey}`);
      return request;
    },
  };
}
