import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { anthropicDefaultAnswer } from "./anthropic-default-answer.js";
import { anthropicPromptText } from "./anthropic-request-reading.js";
import {
  validateAnthropicCountTokensRequest,
  validateAnthropicMessagesRequest,
} from "./anthropic-request-validation.js";
import { ConnectionTracker } from "./connection-tracker.js";
import { checkAnthropicCredentials, checkOpenAiCredentials, singleHeader } from "./credentials.js";
import { resolveEndpoint, type Endpoint } from "./endpoints.js";
import { anthropicModelList, DEFAULT_ANTHROPIC_MODELS, DEFAULT_OPENAI_MODELS, openaiModelList } from "./model-lists.js";
import { openaiDefaultAnswer } from "./openai-default-answer.js";
import { openaiEmbeddingsAnswer, validateOpenAiEmbeddingsRequest } from "./openai-embeddings.js";
import { validateOpenAiChatRequest } from "./openai-request-validation.js";
import { newRequestId } from "./provider-conventions.js";
import { parseJsonBody, readRawBody } from "./request-body.js";
import { notFound, unparseableBody } from "./request-errors.js";
import { playScenario } from "./scenario-player.js";
import type { ErrorScenario, Provider, RecordedRequest, Scenario, ScenarioHandler } from "./scenario.js";
import { estimatePromptTokens } from "./token-estimates.js";

export interface FakeUpstreamOptions {
  /** When given, other API keys get the provider's 401 for a wrong key. By default any key is accepted. */
  acceptedApiKeys?: readonly string[];
  openaiModels?: readonly string[];
  anthropicModels?: readonly string[];
}

export interface FakeUpstream {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `url + '/v1'`, the `baseURL` for the `openai` SDK. */
  readonly openaiBaseURL: string;
  /** `url`, the `baseURL` for the `@anthropic-ai/sdk` SDK. */
  readonly anthropicBaseURL: string;
  /** Every request received, in arrival order (rejected ones included). */
  readonly requests: readonly RecordedRequest[];
  /** Requests whose client went away before the response ended. */
  readonly aborted: number;
  /** Handlers are tried newest first, after the `once` queue and before the default answer. */
  use(handler: ScenarioHandler): void;
  /**
   * The next valid request for `provider` (any endpoint but GET /v1/models, which `use` scripts) gets `scenario`;
   * queued FIFO per provider.
   */
  once(provider: Provider, scenario: Scenario): void;
  /** Clears the `once` queues, handlers, recorded requests and the aborted count. */
  reset(): void;
  openSockets(): number;
  /** Responses started but not yet finished or closed. */
  openResponses(): number;
  /** Destroys every connection (hanging ones included) and stops listening. */
  close(): Promise<void>;
}

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const handlers: ScenarioHandler[] = [];
  const queues: Record<Provider, Scenario[]> = { openai: [], anthropic: [] };
  const tracker = new ConnectionTracker();

  function defaultAnswer(endpoint: Endpoint, recorded: RecordedRequest): Scenario {
    switch (endpoint) {
      case "chat-completions":
        return openaiDefaultAnswer(recorded.body);
      case "embeddings":
        return openaiEmbeddingsAnswer(recorded.body);
      case "messages":
        return anthropicDefaultAnswer(recorded.body);
      case "count-tokens":
        return {
          kind: "json",
          body: { input_tokens: estimatePromptTokens(anthropicPromptText(recorded.body)) },
        };
      case "models":
        return {
          kind: "json",
          body:
            recorded.provider === "openai"
              ? openaiModelList(options.openaiModels ?? DEFAULT_OPENAI_MODELS)
              : anthropicModelList(options.anthropicModels ?? DEFAULT_ANTHROPIC_MODELS),
        };
      case "unknown":
        return notFound(recorded.provider, recorded.method, recorded.path);
    }
  }

  function scriptedAnswer(endpoint: Endpoint, recorded: RecordedRequest): Scenario | undefined {
    // A gateway reads model lists in the background: they must not take the answer a test queued for a request.
    const queued = endpoint === "models" ? undefined : queues[recorded.provider].shift();
    if (queued !== undefined) return queued;
    for (let i = handlers.length - 1; i >= 0; i--) {
      const scenario = handlers[i]?.(recorded);
      if (scenario !== undefined) return scenario;
    }
    return undefined;
  }

  /** The real APIs check the route, the credentials and the request before anything scripted can happen. */
  function chooseScenario(endpoint: Endpoint, recorded: RecordedRequest, parseable: boolean): Scenario {
    if (endpoint === "unknown") return notFound(recorded.provider, recorded.method, recorded.path);
    const credentialError =
      recorded.provider === "openai"
        ? checkOpenAiCredentials(recorded.headers, options.acceptedApiKeys)
        : checkAnthropicCredentials(recorded.headers, options.acceptedApiKeys);
    if (credentialError !== undefined) return credentialError;
    if (!parseable) return unparseableBody(recorded.provider);
    return (
      requestErrorOf(endpoint, recorded) ?? scriptedAnswer(endpoint, recorded) ?? defaultAnswer(endpoint, recorded)
    );
  }

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const closed = tracker.trackResponse(response);
    const rawBody = await readRawBody(request);
    const method = request.method ?? "GET";
    const url = request.url ?? "/";
    const path = new URL(url, "http://fake-upstream").pathname;
    const { provider, endpoint } = resolveEndpoint(method, path, request.headers);
    const { body, parseable } = parseJsonBody(rawBody);
    const recorded: RecordedRequest = { provider, method, path, url, headers: request.headers, body, rawBody };
    requests.push(recorded);

    await playScenario(chooseScenario(endpoint, recorded, parseable), {
      provider,
      requestId: newRequestId(provider),
      response,
      closed,
      markClosedByServer: () => tracker.markClosedByServer(response),
    });
  }

  const server = createServer((request, response) => {
    handleRequest(request, response).catch((error: unknown) => {
      // A throwing test handler must fail loudly, not leave the client hanging.
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end(`fake upstream failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    });
  });
  server.on("connection", (socket) => tracker.trackSocket(socket));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    get requests() {
      return requests;
    },
    get aborted() {
      return tracker.abortedCount;
    },
    use: (handler) => {
      handlers.push(handler);
    },
    once: (provider, scenario) => {
      queues[provider].push(scenario);
    },
    reset: () => {
      requests.length = 0;
      handlers.length = 0;
      queues.openai.length = 0;
      queues.anthropic.length = 0;
      tracker.resetAbortedCount();
    },
    openSockets: () => tracker.openSocketCount,
    openResponses: () => tracker.openResponseCount,
    close: async () => {
      const stopped = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      await Promise.all([stopped, tracker.destroyAll()]);
    },
  };
}

/** The 400 the real endpoint gives a request it refuses, if it does. */
function requestErrorOf(endpoint: Endpoint, recorded: RecordedRequest): ErrorScenario | undefined {
  switch (endpoint) {
    case "chat-completions":
      return validateOpenAiChatRequest(recorded.body);
    case "embeddings":
      return validateOpenAiEmbeddingsRequest(recorded.body);
    case "messages":
      return validateAnthropicMessagesRequest(recorded.body, singleHeader(recorded.headers["anthropic-version"]));
    case "count-tokens":
      return validateAnthropicCountTokensRequest(recorded.body);
    default:
      return undefined;
  }
}
