import OpenAI from "openai";
import { afterAll, afterEach, beforeAll } from "vitest";
import { pino, type Logger } from "pino";
import { loadConfig, parseConfig } from "../../src/config/load-config.js";
import type { ConfigInput } from "../../src/config/schema.js";
import { startGateway, type RunningGateway } from "../../src/server.js";
import { startFakeUpstream, type FakeUpstream, type FakeUpstreamOptions } from "../fake-upstream/index.js";
import { ContractRecorder } from "./contract.js";

export interface TestGateway {
  fake: FakeUpstream;
  gateway: RunningGateway;
  /** The gateway's base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** The official OpenAI SDK pointed at the gateway; its responses are checked against the spec. */
  openai: OpenAI;
  /** fetch that checks every gateway response against the spec. */
  fetch: typeof fetch;
  /** POSTs JSON to a gateway path through the contract-checking fetch. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  contract: ContractRecorder;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Config file content, laid under the environment. */
  config?: ConfigInput;
  /** Environment variables; by default both providers point at the fake upstream. */
  env?: Record<string, string | undefined>;
  /** A config file to read instead of `config`, watched for edits as `npm start` does. */
  configFile?: string;
  /** Where the gateway's log lines go (silent by default). */
  logger?: Logger;
  /** How the fake upstream starts (the models it lists, say). */
  upstream?: FakeUpstreamOptions;
}

/** A real gateway on a free port in front of a real fake upstream, driven through the real OpenAI SDK. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const fake = await startFakeUpstream(options.upstream);
  const env = {
    OPENAI_API_KEY: "sk-test-openai",
    OPENAI_BASE_URL: fake.openaiBaseURL,
    ANTHROPIC_API_KEY: "sk-ant-test",
    ANTHROPIC_BASE_URL: fake.anthropicBaseURL,
    ...options.env,
  };
  const testEnv = { ...env, PORT: "0" };
  const config = options.configFile
    ? loadConfig({ path: options.configFile, env: testEnv }).config
    : parseConfig(
        {
          ...options.config,
          server: { host: "127.0.0.1", port: 0, ...options.config?.server },
          providers: withOpenAICatalog(options.config?.providers),
        },
        testEnv,
        "test",
      );
  const gateway = await startGateway(config, {
    logger: options.logger ?? pino({ level: "silent" }),
    configPath: options.configFile,
    env: testEnv,
  });
  const contract = new ContractRecorder();
  const openai = new OpenAI({
    baseURL: `${gateway.url}/v1`,
    apiKey: "sk-client",
    maxRetries: 0,
    fetch: contract.fetch,
  });
  return {
    fake,
    gateway,
    url: gateway.url,
    openai,
    fetch: contract.fetch,
    contract,
    post: (path, body, headers = {}) =>
      contract.fetch(`${gateway.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    async close() {
      await gateway.close();
      await fake.close();
    },
  };
}

/**
 * The fake upstream stands in for OpenAI itself (here and in gateway processes): the `openai` provider keeps the
 * built-in catalog, unless the test says otherwise (discovery of a local host's models is tested with
 * `discover_models: undefined`, its default).
 */
export function withOpenAICatalog(providers: ConfigInput["providers"]): ConfigInput["providers"] {
  return { ...providers, openai: { discover_models: false, ...providers?.openai } };
}

/**
 * One gateway for a test file: started before its tests, checked against the spec and reset after each test,
 * closed at the end. The returned object forwards to the running gateway.
 */
export function useTestGateway(options: TestGatewayOptions = {}): TestGateway {
  let current: TestGateway | undefined;
  beforeAll(async () => {
    current = await startTestGateway(options);
  });
  afterEach(async () => {
    await current?.contract.settle();
    current?.fake.reset();
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as TestGateway, {
    get(_, property) {
      if (!current) throw new Error("the test gateway is not started yet (use it inside tests or hooks)");
      return current[property as keyof TestGateway];
    },
  });
}
