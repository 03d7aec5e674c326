// npm run measure:failover — how fast a dead provider is detected and routed around.
// OpenAI is "dead" (a closed port: connection refused; then a host that accepts but never answers), Anthropic is
// healthy, gpt-4o-mini falls back to claude-haiku-4-5. Default retry and breaker settings unless stated.
import { createServer } from "node:net";
import { once } from "node:events";
import { pino } from "pino";
import { parseConfig } from "../src/config/load-config.js";
import { startGateway } from "../src/server.js";
import { startFakeUpstream } from "../test/fake-upstream/index.js";
import { freePort } from "./bench/free-port.js";

async function blackhole(): Promise<{ url: string; close(): void }> {
  const server = createServer(() => {}).listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1`, close: () => server.close() };
}

async function run(label: string, openaiBaseURL: string, extra: Record<string, unknown>): Promise<void> {
  const fake = await startFakeUpstream();
  const config = parseConfig(
    { server: { host: "127.0.0.1", port: 0 }, fallbacks: { "gpt-4o-mini": ["anthropic/claude-haiku-4-5"] }, ...extra },
    {
      OPENAI_API_KEY: "sk",
      OPENAI_BASE_URL: openaiBaseURL,
      ANTHROPIC_API_KEY: "sk",
      ANTHROPIC_BASE_URL: fake.anthropicBaseURL,
    },
    "measure",
  );
  const gateway = await startGateway(config, { logger: pino({ level: "silent" }) });
  console.log(`\n${label}`);
  console.log("request  ms      attempts  served by");
  for (let i = 1; i <= 8; i++) {
    const started = performance.now();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    await response.text();
    const ms = performance.now() - started;
    const attempts = response.headers.get("x-runestone-attempts") ?? "-";
    const provider = response.headers.get("x-runestone-provider") ?? response.status;
    console.log(`${String(i).padEnd(8)} ${ms.toFixed(1).padStart(7)}  ${attempts.padEnd(8)}  ${provider}`);
  }
  await gateway.close();
  await fake.close();
}

await run(
  "OpenAI refuses connections (defaults: 2 attempts per candidate, breaker opens after 5 failures)",
  `http://127.0.0.1:${await freePort()}/v1`,
  {},
);
const hole = await blackhole();
await run("OpenAI accepts connections but never answers (first_token_timeout_ms: 1000)", hole.url, {
  providers: { openai: { first_token_timeout_ms: 1000 } },
});
hole.close();
