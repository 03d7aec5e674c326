import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  describeAuth,
  parseCli,
  redactUrl,
  startupBanner,
  type StartupFacts,
  unreachableRedisWarning,
} from "../../src/cli.js";
import { startFakeUpstream } from "../fake-upstream/index.js";
import { ContractRecorder } from "../support/contract.js";

const ROOT = join(import.meta.dirname, "..", "..");

describe("the command line", () => {
  it.each([
    [[], { kind: "start" }],
    [["--config", "prod.yaml", "--port", "8080"], { kind: "start", config: "prod.yaml", port: 8080 }],
    [["-c", "a.yaml", "-p", "0"], { kind: "start", config: "a.yaml", port: 0 }],
    [["--port=4002"], { kind: "start", port: 4002 }],
    [["--help"], { kind: "help" }],
    [["-v"], { kind: "version" }],
  ])("%j → %j", (argv, expected) => {
    expect(parseCli(argv)).toEqual(expected);
  });

  it.each([[["--port", "http"]], [["--port", "70000"]], [["--verbose"]], [["serve"]], [["--config"]]])(
    "refuses %j",
    (argv) => {
      expect(parseCli(argv).kind).toBe("error");
    },
  );
});

describe("the start-up banner", () => {
  const facts: StartupFacts = {
    version: "1.2.3",
    url: "http://127.0.0.1:4001/v1",
    docs: "http://127.0.0.1:4001/docs",
    listening: "0.0.0.0:4001",
    config: "/etc/runestone/runestone.yaml",
    providers: [
      { name: "openai", base_url: "http://127.0.0.1:11434/v1", models: { listed: 3 } },
      { name: "anthropic", base_url: "https://api.anthropic.com" },
      { name: "vllm", base_url: "http://gpu-box:8000/v1", models: { failure: "Provider 'vllm' could not be reached" } },
    ],
    state_backend: "redis",
    redis_url: "redis://default:s3cret@redis.internal:6379/0",
    overflow_queue: "bee-queue on Redis",
    routing_policy: "cost",
    auth: "API keys: 3 tenant(s)",
  };

  it("fits on one screen and says everything an operator checks first", () => {
    const banner = startupBanner(facts);
    const lines = banner.split("\n");
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
    for (const fact of [
      "Runestone 1.2.3",
      "http://127.0.0.1:4001/v1",
      "http://127.0.0.1:4001/docs",
      "Providers       openai     http://127.0.0.1:11434/v1  (3 models from its GET /v1/models)",
      "                anthropic  https://api.anthropic.com",
      "                vllm       http://gpu-box:8000/v1  (GET /v1/models failed: Provider 'vllm' could not be " +
        "reached)",
      "Redis redis://default:***@redis.internal:6379/0",
      "cost",
      "API keys: 3 tenant(s)",
      "/etc/runestone/runestone.yaml",
    ]) {
      expect(banner).toContain(fact);
    }
    expect(banner).not.toContain("s3cret");
    expect(banner).not.toMatch(/^\{/m); // not a JSON log line
  });

  it("says plainly whom the gateway serves without a key", () => {
    expect(describeAuth({ open: false, openToEveryone: false, tenants: 3 })).toBe("API keys: 3 tenant(s)");
    expect(describeAuth({ open: true, openToEveryone: false, tenants: 0 })).toMatch(
      /^open: no API keys; clients on this machine need none .*proxied requests are refused$/,
    );
    expect(describeAuth({ open: true, openToEveryone: false, listeningBeyondLoopback: "0.0.0.0", tenants: 0 })).toMatch(
      /listening on 0\.0\.0\.0: every request refused/,
    );
    expect(describeAuth({ open: true, openToEveryone: true, listeningBeyondLoopback: "::", tenants: 0 })).toMatch(
      /^open to everyone/,
    );
    const variants = [
      { open: true, openToEveryone: false, tenants: 0 },
      { open: true, openToEveryone: false, listeningBeyondLoopback: "0.0.0.0", tenants: 0 },
      { open: true, openToEveryone: true, tenants: 0 },
    ];
    for (const auth of variants)
      for (const line of startupBanner({ ...facts, auth: describeAuth(auth) }).split("\n"))
        expect(line.length).toBeLessThanOrEqual(120);
  });

  it("says loudly when the configured Redis did not answer at start-up, naming its address", () => {
    const banner = startupBanner({ ...facts, redis_reachable: false });
    expect(banner).toMatch(
      /State backend +Redis redis:\/\/default:\*\*\*@redis\.internal:6379\/0 NOT REACHABLE: requests get 503/,
    );
    const warning = unreachableRedisWarning("redis://default:s3cret@redis.internal:6379/0", 3000);
    expect(warning).toMatch(
      /^WARNING: Redis at redis:\/\/default:\*\*\*@redis\.internal:6379\/0 did not answer within 3000/,
    );
    expect(warning).not.toContain("s3cret");
    expect(startupBanner(facts)).toContain("(limits, breakers and jobs shared by every replica)");
  });

  it("redacts Redis passwords", () => {
    expect(redactUrl("rediss://:pw@host:6380")).toBe("rediss://:***@host:6380");
    expect(redactUrl("redis://host:6379")).toBe("redis://host:6379");
  });
});

describe("npm start -- --config <path> --port <n>", () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("starts with the given file and port (over PORT), prints the banner, and serves the URLs it prints", {
    timeout: 20_000,
  }, async () => {
    dir = mkdtempSync(join(tmpdir(), "runestone-cli-"));
    const file = join(dir, "gateway.yaml");
    writeFileSync(file, "server:\n  host: 127.0.0.1\n  port: 1\nrouting:\n  policy: cost\nlog_level: warn\n");
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), PORT: "2" };
    // The sources, as `npm run dev` runs them (tsx src/main.ts), without npm in between; npm start runs them compiled.
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--config", file, "--port", "0"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within 15 s:\n${stdout}\n${stderr}`)), 15_000);
      child!.stdout!.on("data", () => {
        if (/Auth .*\n/.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.once("exit", (code) => reject(new Error(`exited with ${code}:\n${stdout}\n${stderr}`)));
    });
    expect(stdout).toMatch(/Runestone \d+\.\d+\.\d+/);
    expect(stdout).toContain(`Config          ${file}`);
    expect(stdout).toMatch(/Routing policy +cost/);
    expect(stdout).toMatch(/State backend +memory/);
    expect(stdout).toMatch(/Auth +open/);
    const docs = /Docs +(http:\/\/127\.0\.0\.1:(\d+)\/docs)/.exec(stdout);
    expect(docs?.[2]).not.toBe("1");
    expect(docs?.[2]).not.toBe("2");
    const contract = new ContractRecorder();
    const page = await contract.fetch(docs![1]!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>Runestone API</title>");
    const api = /API +(http:\S+\/v1)/.exec(stdout)![1]!;
    expect((await contract.fetch(`${api}/models`)).status).toBe(200);
    await contract.settle();
  });

  /** Runs `npm run dev`'s command with `env` (and no config file) until the banner is out. */
  async function startUntilBanner(env: Record<string, string>): Promise<{ stdout: string; stderr: () => string }> {
    const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), RUNESTONE_CONFIG: "", PORT: "" };
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--port", "0"], {
      cwd: ROOT,
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within 15 s:\n${stdout}\n${stderr}`)), 15_000);
      child!.stdout!.on("data", () => {
        if (/Auth .*\n/.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.once("exit", (code) => reject(new Error(`exited with ${code}:\n${stdout}\n${stderr}`)));
    });
    return { stdout, stderr: () => stderr };
  }

  it("shows where each provider points, and lists what a local host serves", { timeout: 20_000 }, async () => {
    const host = await startFakeUpstream({ openaiModels: ["llama3.1", "qwen2.5-coder:7b"] });
    try {
      const { stdout } = await startUntilBanner({ OPENAI_BASE_URL: host.openaiBaseURL });
      expect(stdout).toMatch(
        new RegExp(`Providers +openai {2}${host.openaiBaseURL}  \\(2 models from its GET /v1/models\\)\n`),
      );
      const api = /API +(http:\S+\/v1)/.exec(stdout)![1]!;
      const contract = new ContractRecorder();
      const client = new OpenAI({ baseURL: api, apiKey: "unused", maxRetries: 0, fetch: contract.fetch });
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      expect(ids).toEqual(["llama3.1", "qwen2.5-coder:7b"]);
      expect(await client.models.retrieve("llama3.1")).toMatchObject({ id: "llama3.1", provider: "openai" });
      await contract.settle();
    } finally {
      await host.close();
    }
  });

  it("warns loudly, naming the address, when Redis does not answer at start-up", { timeout: 20_000 }, async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const redisUrl = `redis://127.0.0.1:${port}`;
    const { stdout, stderr } = await startUntilBanner({ REDIS_URL: redisUrl });
    expect(stdout).toMatch(new RegExp(`State backend +Redis ${redisUrl} NOT REACHABLE: requests get 503`));
    await vi.waitFor(() => expect(stderr()).toContain(`WARNING: Redis at ${redisUrl} did not answer within 3000 ms.`));
    const api = /API +(http:\S+)\/v1/.exec(stdout)![1]!;
    const contract = new ContractRecorder();
    const health = await contract.fetch(`${api}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      components: { state_backend: { status: "unhealthy", message: expect.stringContaining(`Redis at ${redisUrl}`) } },
    });
    await contract.settle();
  });

  it("says in one line, without a stack trace, that the port is taken", { timeout: 20_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir() };
      child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--port", String(port)], {
        cwd: ROOT,
        env: { ...env, RUNESTONE_CONFIG: "", PORT: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      const [code] = (await once(child, "exit")) as [number];
      expect(code).toBe(1);
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`Port ${port}`);
      expect(lines[0]).toContain("--port");
      expect(stderr).not.toMatch(/^\s+at /m);
    } finally {
      taken.close();
    }
  });
});
