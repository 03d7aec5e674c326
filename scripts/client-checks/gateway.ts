import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeUpstream, startFakeUpstream } from "../../test/fake-upstream/index.js";
import { freePort } from "../bench/free-port.js";
import { productionCommand, REPO_ROOT } from "../bench/repository.js";
import { startListening } from "../bench/server-process.js";

/**
 * The gateway the client checks call: the compiled one, started as production starts it (the Dockerfile's CMD), in
 * open mode with the built-in defaults (its working directory is an empty one, so no runestone.yaml is read), in
 * front of the tests' fake upstream, which answers a chat with "echo: <the user's message>".
 */

export interface ClientCheckGateway {
  /** http://127.0.0.1:PORT */
  url: string;
  fake: FakeUpstream;
  stop(): Promise<void>;
}

export async function startClientCheckGateway(): Promise<ClientCheckGateway> {
  const [node, entry, ...args] = productionCommand();
  if (node === undefined || entry === undefined) throw new Error("the Dockerfile's CMD names no entry point");
  const entryPath = join(REPO_ROOT, entry);
  if (!existsSync(entryPath)) throw new Error(`${entryPath} is missing: run npm run build first`);
  const fake = await startFakeUpstream();
  const dir = mkdtempSync(join(tmpdir(), "runestone-client-check-"));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["REDIS_URL", "RUNESTONE_CONFIG", "RUNESTONE_ROUTER_POLICY", "HOST"]) delete env[name];
  const gateway = await startListening("the gateway", [node, entryPath, ...args], port, "/health/ready", {
    cwd: dir,
    logFile: join(dir, "gateway.log"),
    env: {
      ...env,
      NODE_ENV: "production",
      PORT: String(port),
      RUNESTONE_LOG_LEVEL: "warn",
      OPENAI_API_KEY: "sk-client-check",
      OPENAI_BASE_URL: fake.openaiBaseURL,
      ANTHROPIC_API_KEY: "sk-ant-client-check",
      ANTHROPIC_BASE_URL: fake.anthropicBaseURL,
    },
  });
  return {
    url: gateway.url,
    fake,
    async stop() {
      await gateway.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The chat requests the fake received since `since` (an index into its record). */
export function chatRequestsSince(fake: FakeUpstream, since: number): number {
  return fake.requests.slice(since).filter((request) => request.path === "/v1/chat/completions").length;
}
