// npm run soak [-- --duration SECONDS] (default 600; --series prints the memory samples): a gateway process on a
// private redis-server under mixed load (plain, streams, tools, aborted streams, failovers, tenants over their limit
// in queue and reject mode) with a Redis restart half-way. Fails (exit 1) on any unexpected answer, a slot or queued
// job left at the end, or RSS or the heap growing 10% or more after warm-up (measured idle, after a full garbage
// collection).
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { redisKeys } from "../src/state/redis-keys.js";
import { startFakeUpstream } from "../test/fake-upstream/index.js";
import { startGatewayProcess } from "../test/support/gateway-process.js";
import { startPrivateRedis } from "../test/support/private-redis.js";
import { GC_PROBE, memoryAfterGc, rssBytes, type MemoryAfterGc } from "../test/support/process-memory.js";
import { FAILOVER_MARK, MIX, type Outcome, sendBurst } from "./soak/load.js";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "600" },
    concurrency: { type: "string", default: "6" },
    /** Prints the RSS and heap samples too. */
    series: { type: "boolean", default: false },
    /** Only these kinds of the mix (comma-separated), e.g. to find which one makes memory grow. */
    kinds: { type: "string" },
  },
});
const durationMs = Number(values.duration) * 1000;
const concurrency = Number(values.concurrency);
if (!(durationMs >= 20_000) || !(concurrency >= 1)) {
  console.error(
    "usage: npm run soak -- [--duration SECONDS (>= 20, default 600)] [--concurrency N (default 6)] [--series]",
  );
  process.exit(2);
}
const kinds = values.kinds === undefined ? MIX : MIX.filter((kind) => values.kinds?.split(",").includes(kind));
if (kinds.length === 0) {
  console.error(`--kinds: none of ${[...new Set(MIX)].join(", ")}`);
  process.exit(2);
}
const warmUpMs = Math.max(10_000, durationMs * 0.2);
const RSS_SAMPLE_MS = 2_000;
const SETTLE_MS = 10_000;
const PREFIX = "soak:";
const TENANTS = ["steady", "queued", "rejected"];
const METRICS_TOKEN = "soak-metrics-token-0123456789";

const redis = await startPrivateRedis();
const fake = await startFakeUpstream();
fake.use((request) =>
  request.provider === "openai" && request.rawBody.includes(FAILOVER_MARK)
    ? { kind: "error", status: 503, message: "overloaded (soak)" }
    : undefined,
);
const gateway = await startGatewayProcess({
  name: "soak",
  fake,
  // The GC probe: on SIGUSR2 a full garbage collection, then the heap and RSS it leaves (see memoryAfterGc).
  env: { REDIS_URL: redis.url, NODE_OPTIONS: `--import ${GC_PROBE}`, RUNESTONE_LOG_LEVEL: "fatal" },
  config: {
    redis_key_prefix: PREFIX,
    metrics: { token: METRICS_TOKEN },
    fallbacks: { "gpt-4o-mini": ["anthropic/claude-haiku-4-5"] },
    queue: { stall_interval_ms: 1_000, max_wait_ms: 120_000 },
    tenants: {
      steady: { max_concurrency: 64 },
      queued: { max_concurrency: 1, overflow: "queue", max_queue_depth: 1_000 },
      rejected: { max_concurrency: 1, overflow: "reject" },
    },
  },
});

let restarting = false;
let restarts = 0;
const redisState = { restarting: () => restarting, restarts: () => restarts };
const outcomes: Outcome[] = [];
const rss: { atMs: number; bytes: number }[] = [];
const started = performance.now();
const elapsed = () => performance.now() - started;

const heap: number[] = [];
const sampler = setInterval(() => {
  rss.push({ atMs: elapsed(), bytes: rssBytes(gateway.pid) });
  void heapUsed().then((bytes) => heap.push(bytes));
}, RSS_SAMPLE_MS);
// The fake upstream records every request: forget them now and then (its handler stays).
const forget = setInterval(() => (fake.requests as unknown[]).splice(0), 10_000);

let sent = 0;
/** Set while the load pauses for the warm-up measurement. */
let paused: Promise<void> | undefined;
const loops = Array.from({ length: concurrency }, async () => {
  while (elapsed() < durationMs) {
    if (paused) await paused;
    const n = sent++;
    const kind = kinds[n % kinds.length] ?? "plain";
    outcomes.push(...(await sendBurst(gateway.url, kind, n, redisState)));
  }
});
let warm: MemoryAfterGc | undefined;
const warmUp = (async () => {
  await sleep(warmUpMs);
  let resume = () => {};
  paused = new Promise((resolve) => (resume = resolve));
  warm = await idleMemory();
  paused = undefined;
  resume();
})();
const restart = (async () => {
  await sleep(durationMs / 2);
  restarting = true;
  restarts++;
  await redis.stop();
  await sleep(1_000);
  await redis.start();
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`${gateway.url}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await sleep(100);
  }
  await sleep(1_000);
  restarting = false;
})();
await Promise.all([...loops, restart, warmUp]);
clearInterval(sampler);
clearInterval(forget);

// Every slot given back, every queued job run: leases live in Redis under the tenants' keys.
const probe = new Redis(redis.url);
const keys = redisKeys(PREFIX);
let slotsLeft = -1;
let queuedLeft = -1;
for (let i = 0; i < 50; i++) {
  const [seconds, micros] = await probe.time();
  const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const counts = await Promise.all(TENANTS.map((t) => probe.zcount(keys.limits.tenant(t).leases, `(${nowMs}`, "+inf")));
  const queued = await Promise.all(TENANTS.map((t) => probe.zcount(keys.queue.queued(t), `(${nowMs}`, "+inf")));
  slotsLeft = counts.reduce((a, b) => a + b, 0);
  queuedLeft = queued.reduce((a, b) => a + b, 0);
  if (slotsLeft === 0 && queuedLeft === 0) break;
  await sleep(200);
}
const redisClients = await redis.clients();
probe.disconnect();
const end = await idleMemory();
await gateway.stop();
await fake.close();
await redis.stop();

const histogram = new Map<string, number>();
for (const o of outcomes) {
  const key = `${o.kind}: ${o.result}${o.expected ? "" : " (UNEXPECTED)"}`;
  histogram.set(key, (histogram.get(key) ?? 0) + 1);
}
const unexpected = outcomes.filter((o) => !o.expected);
const warmRss = warm?.rss ?? 0;
const growth = warmRss > 0 ? (end.rss - warmRss) / warmRss : 0;
const warmHeap = warm?.heapUsed ?? 0;
const heapGrowth = warmHeap > 0 ? (end.heapUsed - warmHeap) / warmHeap : 0;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

console.log(`soak: ${Math.round(elapsed() / 1000)} s, ${outcomes.length} requests, ${concurrency} at a time`);
for (const [key, count] of [...histogram].sort()) console.log(`  ${count.toString().padStart(6)}  ${key}`);
console.log(`  during the Redis restart: ${outcomes.filter((o) => o.duringRestart).length} requests`);
console.log(`unexpected answers: ${unexpected.length}`);
console.log(`slots left: ${slotsLeft}; queued jobs left: ${queuedLeft}; Redis clients at the end: ${redisClients}`);
console.log(
  `gateway idle, after a full GC: RSS ${mb(warmRss)} MB after warm-up (${Math.round(warmUpMs / 1000)} s), ` +
    `${mb(end.rss)} MB at the end (${(growth * 100).toFixed(1)}%); heap used ${mb(warmHeap)} → ` +
    `${mb(end.heapUsed)} MB (${(heapGrowth * 100).toFixed(1)}%); ` +
    `RSS peak under load ${mb(Math.max(...rss.map((s) => s.bytes)))} MB`,
);
if (values.series) console.log(`RSS (MB) every ${RSS_SAMPLE_MS / 1000} s: ${rss.map((s) => mb(s.bytes)).join(" ")}`);
if (values.series) console.log(`heap used (MB): ${heap.map((b) => mb(b)).join(" ")}`);
const failures = [
  ...(unexpected.length > 0 ? [`${unexpected.length} unexpected answers`] : []),
  ...(slotsLeft !== 0 ? [`${slotsLeft} slots not given back`] : []),
  ...(queuedLeft !== 0 ? [`${queuedLeft} jobs still queued`] : []),
  ...(growth >= 0.1 ? [`RSS grew ${(growth * 100).toFixed(1)}% after warm-up`] : []),
  ...(heapGrowth >= 0.1 ? [`the heap grew ${(heapGrowth * 100).toFixed(1)}% after warm-up`] : []),
];
if (failures.length > 0) {
  console.error(`soak FAILED: ${failures.join("; ")}`);
  process.exit(1);
}
console.log("soak passed");
process.exit(0);

async function heapUsed(): Promise<number> {
  const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await response.text();
  return Number(/^runestone_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? 0);
}

/**
 * What the gateway retains, measured the same way after warm-up and at the end: no load for SETTLE_MS (V8 gives back
 * the pages of a heap grown under load only after a quiet while), then a full garbage collection.
 */
async function idleMemory(): Promise<MemoryAfterGc> {
  await sleep(SETTLE_MS);
  await memoryAfterGc(gateway.pid, gateway.output);
  await sleep(1_000);
  return memoryAfterGc(gateway.pid, gateway.output);
}
