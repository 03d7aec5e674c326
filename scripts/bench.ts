// npm run bench: the latency and throughput a gateway hop adds, measured against the fake upstream.
// Three processes: the fake upstream, the gateway (npm start's entry point) and this load generator.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./bench/free-port.js";
import { load, type LoadResult } from "./bench/load.js";

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 3000);
const WARMUP = 300;

function tsx(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

const upstream = tsx(["scripts/bench/fake-upstream-process.ts"], {});
const [line] = (await once(upstream.stdout!, "data")) as [Buffer];
const upstreamUrl = line.toString().trim();
const port = await freePort();
// Limits high enough that the load generator measures the hop, not the overflow queue (default: 10 in flight).
const configDir = mkdtempSync(join(tmpdir(), "runestone-bench-"));
writeFileSync(join(configDir, "runestone.yaml"), "tenant_defaults:\n  max_concurrency: 10000\n");
const gateway = tsx(["src/main.ts"], {
  PORT: String(port),
  OPENAI_API_KEY: "sk-bench",
  OPENAI_BASE_URL: `${upstreamUrl}/v1`,
  ANTHROPIC_API_KEY: "sk-ant-bench",
  ANTHROPIC_BASE_URL: upstreamUrl,
  RUNESTONE_LOG_LEVEL: "warn",
  RUNESTONE_CONFIG: join(configDir, "runestone.yaml"),
  REDIS_URL: "",
});
const gatewayUrl = `http://127.0.0.1:${port}`;
await waitFor(`${gatewayUrl}/health/live`);

const messages = [{ role: "user", content: "Summarize the benefits of connection pooling in two sentences." }];
const cases: Array<{ name: string; direct?: { url: string; body: unknown }; gateway: { url: string; body: unknown } }> =
  [
    {
      name: "openai plain",
      direct: { url: `${upstreamUrl}/v1/chat/completions`, body: { model: "gpt-4o-mini", messages } },
      gateway: { url: `${gatewayUrl}/v1/chat/completions`, body: { model: "gpt-4o-mini", messages } },
    },
    {
      name: "openai stream",
      direct: { url: `${upstreamUrl}/v1/chat/completions`, body: { model: "gpt-4o-mini", messages, stream: true } },
      gateway: { url: `${gatewayUrl}/v1/chat/completions`, body: { model: "gpt-4o-mini", messages, stream: true } },
    },
    {
      name: "anthropic plain",
      gateway: { url: `${gatewayUrl}/v1/chat/completions`, body: { model: "claude-haiku-4-5", messages } },
    },
    {
      name: "anthropic stream",
      gateway: {
        url: `${gatewayUrl}/v1/chat/completions`,
        body: { model: "claude-haiku-4-5", messages, stream: true },
      },
    },
  ];

// The fake upstream checks credentials like the real API; the gateway holds its own key.
const credentials = { authorization: "Bearer sk-bench" };
const cells = (widths: number[], values: string[]) =>
  values.map((value, i) => value.padStart(widths[i] ?? 8)).join(" ");
const row = (name: string, r: LoadResult) =>
  `${name.padEnd(34)} ${cells(
    [8, 8, 8, 6],
    [r.p50Ms.toFixed(2), r.p99Ms.toFixed(2), (r.requests / r.seconds).toFixed(0), String(r.failures)],
  )}`;

console.log(`\n${TOTAL} requests per row; latency to the last byte, ms\n`);
console.log(
  `${"case".padEnd(34)} ${"p50".padStart(8)} ${"p99".padStart(8)} ${"req/s".padStart(8)} ${"fails".padStart(6)}`,
);
for (const concurrency of [1, 32]) {
  for (const c of cases) {
    const targets = c.direct
      ? [["direct", c.direct] as const, ["gateway", c.gateway] as const]
      : [["gateway", c.gateway] as const];
    const results: Record<string, LoadResult> = {};
    for (const [kind, target] of targets) {
      const body = JSON.stringify(target.body);
      await load(target.url, body, WARMUP, concurrency, credentials);
      results[kind] = await load(target.url, body, TOTAL, concurrency, credentials);
      console.log(row(`${c.name} ${kind} c=${concurrency}`, results[kind]));
    }
    if (results.direct && results.gateway) {
      const added = [results.gateway.p50Ms - results.direct.p50Ms, results.gateway.p99Ms - results.direct.p99Ms];
      console.log(
        `${"  added by the gateway hop".padEnd(34)} ${cells(
          [8, 8],
          added.map((ms) => ms.toFixed(2)),
        )}`,
      );
    }
  }
}

gateway.kill("SIGTERM");
upstream.kill("SIGTERM");
