// npm run bench: the fake upstream direct, a bare Node pass-through proxy (the floor of any Node gateway) and
// Runestone with everything on, each in its own process, measured in one run; ratios to the bare proxy first.
// Options: --ci, --quick, --long, --json FILE (npm run bench -- --help).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { type Options, parseOptions, USAGE } from "./bench/options.js";
import { sampleRss, trackMachine } from "./bench/proc-stats.js";
import { absoluteTable, sources, verdictTable } from "./bench/report.js";
import { gitCommit, productionCommand, REPO_ROOT } from "./bench/repository.js";
import type { Results, Startup } from "./bench/results.js";
import {
  BENCH_API_KEY,
  recorded,
  redisAnswers,
  startRedisRunestone,
  startRunestone,
  writeBenchConfig,
} from "./bench/runestone-process.js";
import {
  type Bench,
  CONNECTIONS,
  firstToken,
  fixedRate,
  idleRss,
  LONG_STREAM,
  longStreams,
  maxThroughput,
  soak,
  type Throughput,
} from "./bench/scenarios.js";
import { liveChildPids, startPrintingUrl } from "./bench/server-process.js";
import { median } from "./bench/stats.js";
import { judge, judgeCi } from "./bench/targets.js";
import { ensureWrk } from "./bench/wrk.js";

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
if (options.kind === "help") {
  process.stdout.write(USAGE);
  process.exit(0);
}
const { mode } = options;
ensureWrk();
// Production runs dist/: measure the sources as they are now, as npm start would (a no-op when dist/ is fresh).
execFileSync(process.execPath, ["scripts/build-if-stale.mjs"], { cwd: REPO_ROOT, stdio: "inherit" });
if (!(await redisAnswers())) {
  process.stderr.write("npm run bench needs Redis on 127.0.0.1:6379 (the Redis state backend scenario)\n");
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), "runestone-bench-"));
const logFile = (name: string) => join(dir, `${name}.log`);
const bench: Bench = { mode, dir, authorization: `Bearer ${BENCH_API_KEY}` };
const say = (line: string) => process.stdout.write(`${line}\n`);

async function startToReady(name: string, command: string[], upstreamUrl: string, configPath: string) {
  const runsMs: number[] = [];
  for (let i = 0; i < mode.startRuns; i++) {
    const runestone = await startRunestone(name, upstreamUrl, configPath, logFile("startup"), command);
    runsMs.push(runestone.readyMs);
    await runestone.stop();
  }
  const startup: Startup = { command: command.join(" "), runsMs, medianMs: median(runsMs) };
  say(`  ${startup.command}: ${runsMs.map((v) => v.toFixed(0)).join(", ")} ms`);
  return startup;
}

const perSecond = (t: Throughput) => {
  const cpu = t.cpuMsPerRequest.toFixed(3);
  return `${Math.round(t.perSecond)}/s, errors ${t.statusErrors}/${t.socketErrors}, CPU ${cpu} ms each`;
};

const machine = trackMachine(liveChildPids);
const othersCpus: Record<string, number> = {};

/** Runs one scenario, noting how busy the rest of the machine was meanwhile. */
async function scenario<T>(key: string, title: string, run: () => Promise<T>): Promise<T> {
  say(title);
  const noise = trackMachine(liveChildPids);
  const result = await run();
  const busy = noise.end().othersCpus;
  othersCpus[key] = busy;
  say(`  (other processes kept ${busy.toFixed(2)} CPUs busy meanwhile)`);
  return result;
}

say(`npm run bench (${mode.name}): ${new Date().toISOString()}, ${cpus().length} CPUs, Node ${process.version}`);
say(`Runestone runs as the Dockerfile's CMD: ${productionCommand().join(" ")}; logs and bodies in ${dir}\n`);

const upstream = await startPrintingUrl(
  "fake upstream",
  [process.execPath, "--import", "tsx", "scripts/bench/fake-upstream-process.ts"],
  { cwd: REPO_ROOT, logFile: logFile("upstream") },
);
const proxy = await startPrintingUrl("bare proxy", [process.execPath, "scripts/bench/bare-proxy.mjs", upstream.url], {
  cwd: REPO_ROOT,
  logFile: logFile("proxy"),
});
const configPath = writeBenchConfig(dir);

/** --ci (.ci/run): the throughput ratios only; exits 1 when one collapses (under half its target) or on errors. */
async function throughputRatiosOnly(): Promise<never> {
  const runestone = await startRunestone("Runestone", upstream.url, configPath, logFile("runestone"));
  const redisRunestone = await startRedisRunestone(upstream.url, dir, logFile("runestone-redis"));
  const plain = await scenario("plain", "max throughput, plain (also the Redis backend, the translation lane)", () =>
    maxThroughput(bench, {
      proxy: { server: proxy, body: "plain" },
      runestone: { server: runestone, body: "plain" },
      anthropicLane: { server: runestone, body: "anthropicPlain" },
      redis: { server: redisRunestone, body: "plain" },
    }),
  );
  await redisRunestone.stop();
  for (const [name, t] of Object.entries(plain)) say(`  ${name}: ${perSecond(t)}`);
  const stream20 = await scenario("streams", "max throughput, streams of 20 chunks", () =>
    maxThroughput(bench, {
      proxy: { server: proxy, body: "stream20" },
      runestone: { server: runestone, body: "stream20" },
    }),
  );
  for (const [name, t] of Object.entries(stream20)) say(`  ${name}: ${perSecond(t)}`);
  await runestone.stop();
  await proxy.stop();
  await upstream.stop();
  rmSync(dir, { recursive: true, force: true });
  const verdicts = judgeCi({ plain, stream20 });
  say(
    `\n${verdictTable(verdicts)}\n(other processes kept ${machine.end().othersCpus.toFixed(2)} CPUs busy on average)`,
  );
  const collapsed = verdicts.filter((v) => v.collapsed);
  if (collapsed.length > 0)
    say(`\nfar off target (under half of it, or errors): ${collapsed.map((v) => v.name).join("; ")}`);
  process.exit(collapsed.length > 0 ? 1 : 0);
}
if (mode.name === "ci") await throughputRatiosOnly();

const { startup, npmStart } = await scenario("start", "start to ready (before any load)", async () => ({
  startup: await startToReady("Runestone (start)", productionCommand(), upstream.url, configPath),
  npmStart: await startToReady("Runestone (npm start)", ["npm", "start"], upstream.url, configPath),
}));

const runestone = await startRunestone("Runestone", upstream.url, configPath, logFile("runestone"));
const idle = { proxy: await idleRss(proxy), runestone: await idleRss(runestone) };
say(`idle RSS: bare proxy ${idle.proxy.toFixed(0)} MB, Runestone ${idle.runestone.toFixed(0)} MB`);
const rss = sampleRss([proxy.pid, runestone.pid]);
const all = { upstream, proxy, runestone };

const redisRunestone = await startRedisRunestone(upstream.url, dir, logFile("runestone-redis"));
const plain = await scenario(
  "plain",
  "max throughput, plain (Runestone also with the Redis state backend, and on the translation lane)",
  () =>
    maxThroughput(bench, {
      upstream: { server: upstream, body: "plain" },
      proxy: { server: proxy, body: "plain" },
      runestone: { server: runestone, body: "plain" },
      anthropicLane: { server: runestone, body: "anthropicPlain" },
      redis: { server: redisRunestone, body: "plain" },
    }),
);
await redisRunestone.stop();
for (const [name, t] of Object.entries(plain)) say(`  ${name}: ${perSecond(t)}`);
const { anthropicLane: plainLane, redis, ...plainPerServer } = plain;

const stream20 = await scenario("streams", "max throughput, streams of 20 chunks", () =>
  maxThroughput(bench, {
    upstream: { server: upstream, body: "stream20" },
    proxy: { server: proxy, body: "stream20" },
    runestone: { server: runestone, body: "stream20" },
    anthropicLane: { server: runestone, body: "anthropicStream20" },
  }),
);
for (const [name, t] of Object.entries(stream20)) say(`  ${name}: ${perSecond(t)}`);
const { anthropicLane: streamLane, ...streamPerServer } = stream20;

const ttft = await scenario("firstToken", "time to first token, sequential streams", () => firstToken(bench, all));
for (const [name, t] of Object.entries(ttft))
  say(`  ${name}: p50 ${t.p50Ms.toFixed(2)} ms, p99 ${t.p99Ms.toFixed(2)} ms`);
const rate = Math.max(1, Math.round(plainPerServer.runestone.perSecond / 4));
const fixed = await scenario("fixedRate", `fixed rate: ${rate} req/s (a quarter of Runestone's max)`, () =>
  fixedRate(bench, all, rate),
);
for (const [name, t] of Object.entries(fixed)) {
  say(`  ${name}: p50 ${t.p50Ms.toFixed(2)} ms, p99 ${t.p99Ms.toFixed(2)} ms, errors ${t.errors}`);
}
const long = await scenario(
  "longStreams",
  `long streams: ${CONNECTIONS} at once, ${LONG_STREAM.chunks} chunks ${LONG_STREAM.intervalMs} ms apart`,
  () => longStreams(bench, all),
);
for (const [name, t] of Object.entries(long)) {
  say(`  ${name}: ${t.events} events, ${t.cpuUsPerEvent.toFixed(1)} µs CPU each, p50 ${t.p50DurationMs.toFixed(0)} ms`);
}
const soaked = mode.soak
  ? await scenario("soak", "5 minutes of plain load (RSS after 1 and 5 minutes)", () => soak(bench, runestone))
  : undefined;
if (soaked) say(`  ${soaked.afterOneMinuteMb.toFixed(0)} MB, then ${soaked.afterFiveMinutesMb.toFixed(0)} MB`);
const peaks = rss.stop();
const runestoneRecorded = await recorded(runestone, logFile("runestone"));
await runestone.stop();
await proxy.stop();
await upstream.stop();

const results: Results = {
  meta: {
    date: new Date().toISOString(),
    mode: mode.name,
    node: process.version,
    cpus: cpus().length,
    commit: gitCommit(),
    connections: CONNECTIONS,
    machine: machine.end(),
    othersCpusByScenario: othersCpus,
  },
  startup,
  npmStart,
  memory: {
    proxy: { idleMb: idle.proxy, peakMb: peaks.get(proxy.pid) ?? Number.NaN },
    runestone: { idleMb: idle.runestone, peakMb: peaks.get(runestone.pid) ?? Number.NaN },
    ...(soaked === undefined ? {} : { soak: soaked }),
  },
  plain: plainPerServer,
  stream20: streamPerServer,
  anthropicLane: { plain: plainLane, stream20: streamLane },
  firstToken: ttft,
  fixedRate: fixed,
  longStreams: long,
  redis,
  runestoneRecorded,
};
const verdicts = judge(results);

say(`\n${verdictTable(verdicts)}\n\n${absoluteTable(results)}\n\n${sources(mode, results)}`);
if (options.json !== undefined) {
  writeFileSync(options.json, `${JSON.stringify({ ...results, verdicts }, null, 2)}\n`);
  say(`\nwritten: ${options.json}`);
}
rmSync(dir, { recursive: true, force: true });

const collapsed = verdicts.filter((v) => v.collapsed);
if (mode.name === "quick" && collapsed.length > 0) {
  say(`\nfar off target (under half of it, or errors): ${collapsed.map((v) => v.name).join("; ")}`);
  process.exit(1);
}
