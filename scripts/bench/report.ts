// The bench's output: the targets first (ratios to the bare proxy), then the absolute numbers and where each
// comes from.
import type { Mode } from "./options.js";
import type { Results } from "./results.js";
import { CONNECTIONS, LONG_STREAM } from "./scenarios.js";
import { addedToUpstream, type Verdict } from "./targets.js";

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const pad = (cell: string, i: number) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0));
  const line = (cells: readonly string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

const int = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (value: number, digits = 2) => `${value.toFixed(digits)} ms`;
const mb = (value: number) => `${value.toFixed(0)} MB`;
const NONE = "–";

export function verdictTable(verdicts: readonly Verdict[]): string {
  return table(
    ["Runestone against the bare proxy", "measured", "target (issue 11)", ""],
    verdicts.map((v) => [v.name, v.measured, v.target, v.verdict]),
  );
}

export function absoluteTable(r: Results): string {
  const { plain, stream20, firstToken, fixedRate, longStreams, memory } = r;
  const errors = (t: { statusErrors: number; socketErrors: number }) => `${t.statusErrors} / ${t.socketErrors}`;
  const rate = Math.round(fixedRate.runestone.perSecond);
  const ttftAdded = addedToUpstream(firstToken, (t) => t.p50Ms);
  const p50Added = addedToUpstream(fixedRate, (t) => t.p50Ms);
  const p99Added = addedToUpstream(fixedRate, (t) => t.p99Ms);
  const rows: string[][] = [
    [
      "max req/s, plain",
      int(plain.upstream.perSecond),
      int(plain.proxy.perSecond),
      int(plain.runestone.perSecond),
      "a",
    ],
    ["  errors: non-2xx / socket", errors(plain.upstream), errors(plain.proxy), errors(plain.runestone), "a"],
    ["CPU per plain request", NONE, ms(plain.proxy.cpuMsPerRequest, 3), ms(plain.runestone.cpuMsPerRequest, 3), "b"],
    [
      "max streams/s, 20 chunks",
      int(stream20.upstream.perSecond),
      int(stream20.proxy.perSecond),
      int(stream20.runestone.perSecond),
      "a",
    ],
    ["  errors: non-2xx / socket", errors(stream20.upstream), errors(stream20.proxy), errors(stream20.runestone), "a"],
    [
      "CPU per 20-chunk stream",
      NONE,
      ms(stream20.proxy.cpuMsPerRequest, 3),
      ms(stream20.runestone.cpuMsPerRequest, 3),
      "b",
    ],
    ["→ Anthropic lane: max req/s, plain", NONE, NONE, int(r.anthropicLane.plain.perSecond), "a"],
    ["→ Anthropic lane: max streams/s, 20 chunks", NONE, NONE, int(r.anthropicLane.stream20.perSecond), "a"],
    [
      "time to first token p50 (added)",
      ms(firstToken.upstream.p50Ms),
      `${ms(firstToken.proxy.p50Ms)} (+${ttftAdded.proxy.toFixed(2)})`,
      `${ms(firstToken.runestone.p50Ms)} (+${ttftAdded.runestone.toFixed(2)})`,
      "c",
    ],
    [
      "time to first token p99",
      ms(firstToken.upstream.p99Ms),
      ms(firstToken.proxy.p99Ms),
      ms(firstToken.runestone.p99Ms),
      "c",
    ],
    [
      `fixed ${rate} req/s: p50 (added)`,
      ms(fixedRate.upstream.p50Ms),
      `${ms(fixedRate.proxy.p50Ms)} (+${p50Added.proxy.toFixed(2)})`,
      `${ms(fixedRate.runestone.p50Ms)} (+${p50Added.runestone.toFixed(2)})`,
      "d",
    ],
    [
      `fixed ${rate} req/s: p99 (added)`,
      ms(fixedRate.upstream.p99Ms),
      `${ms(fixedRate.proxy.p99Ms)} (+${p99Added.proxy.toFixed(2)})`,
      `${ms(fixedRate.runestone.p99Ms)} (+${p99Added.runestone.toFixed(2)})`,
      "d",
    ],
    [
      `long streams (${LONG_STREAM.chunks} chunks, ${LONG_STREAM.intervalMs} ms apart): CPU per chunk`,
      NONE,
      `${longStreams.proxy.cpuUsPerEvent.toFixed(1)} µs`,
      `${longStreams.runestone.cpuUsPerEvent.toFixed(1)} µs`,
      "e",
    ],
    [
      "  stream duration p50",
      ms(longStreams.upstream.p50DurationMs, 0),
      ms(longStreams.proxy.p50DurationMs, 0),
      ms(longStreams.runestone.p50DurationMs, 0),
      "e",
    ],
    ["RSS idle", NONE, mb(memory.proxy.idleMb), mb(memory.runestone.idleMb), "f"],
    [`RSS peak under ${CONNECTIONS} connections`, NONE, mb(memory.proxy.peakMb), mb(memory.runestone.peakMb), "f"],
    [
      "RSS after 1 min / 5 min of load",
      NONE,
      NONE,
      memory.soak === undefined
        ? "(--long)"
        : `${mb(memory.soak.afterOneMinuteMb)} / ${mb(memory.soak.afterFiveMinutesMb)}`,
      "f",
    ],
    [
      `start to ready: ${r.startup.command}, median`,
      NONE,
      NONE,
      `${ms(r.startup.medianMs, 0)} (${r.startup.runsMs.map((v) => v.toFixed(0)).join(", ")})`,
      "g",
    ],
    [
      "start to ready: npm start, median",
      NONE,
      NONE,
      `${ms(r.npmStart.medianMs, 0)} (${r.npmStart.runsMs.map((v) => v.toFixed(0)).join(", ")})`,
      "g",
    ],
    ["Redis state backend: max req/s, plain", NONE, NONE, `${int(r.redis.perSecond)} (errors ${errors(r.redis)})`, "a"],
  ];
  return table(["measurement", "upstream direct", "bare proxy", "Runestone", "from"], rows);
}

export function sources(mode: Mode, r: Results): string {
  const rounds = `${mode.rounds} round(s) of ${mode.roundSeconds} s after ${mode.warmupSeconds} s of warm-up`;
  const { othersCpus, loadAtStart, loadAtEnd } = r.meta.machine;
  const byScenario = Object.entries(r.meta.othersCpusByScenario)
    .map(([name, cpus]) => `${name} ${cpus.toFixed(2)}`)
    .join(", ");
  return [
    "Every scenario warms each server up, then measures them in rounds in which they take turns (never two at once).",
    `a: wrk -t1 -c${CONNECTIONS}, ${rounds}; POST bodies from scripts/bench/wrk/post.lua; req/s = requests`,
    "   completed / seconds; errors: answers with status > 399 / connect, read, write errors and 10 s timeouts.",
    "b: the server process's user + system CPU time (/proc/<pid>/stat, all threads) over its measured wrk runs,",
    "   divided by the requests completed.",
    `c: ${mode.firstTokenStreams} sequential 20-chunk streams in ${mode.rounds} round(s) (and`,
    `   ${mode.firstTokenWarmup} to warm up), on one undici connection: ms from sending the request to the first`,
    "   `data:` byte; added = minus the upstream's own.",
    `d: open loop (undici, up to ${CONNECTIONS} connections): a plain request every 1/rate s whatever the`,
    `   answers do, ${rounds}; the rate is a quarter of Runestone's max req/s above;`,
    "   ms from sending to the last byte.",
    `e: ${mode.longStreamRounds} round(s) of ${CONNECTIONS} concurrent streams of ${LONG_STREAM.chunks} chunks,`,
    `   one every ${LONG_STREAM.intervalMs} ms from the upstream; server CPU time (/proc) over the SSE events`,
    "   the clients received (usage chunk and [DONE] included).",
    "f: VmRSS from /proc/<pid>/status: idle = 1 s after ready, before any load; peak = highest 100 ms sample",
    "   over every load scenario above; --long: after 1 and 5 minutes of plain load at 50 connections.",
    `g: ${mode.startRuns} runs each, before any load: from spawning the command in the repository`,
    "   (NODE_ENV=production, the bench config) to the first 200 from /health/ready, polled every 5 ms.",
    "Runestone: tenant key auth, limits (overflow: reject, none reached), fallbacks, metrics, request log at info",
    "into a file; memory state backend unless said. Its runestone_requests_total counted",
    `${formatStatuses(r)} chat requests (499: requests still running when a wrk run ended and closed its`,
    `connections); its request log has ${int(r.runestoneRecorded.requestLogLines)} request lines.`,
    `The machine: ${r.meta.cpus} CPUs; other processes kept ${othersCpus.toFixed(2)} CPUs busy on average`,
    `during the run (load average ${loadAtStart.toFixed(1)} at the start, ${loadAtEnd.toFixed(1)} at the end), by`,
    `scenario: ${byScenario}.`,
    "On a busy machine absolute numbers move a lot between runs, the ratios (measured in turns) less; a scenario",
    "during which others were busy is worth running again.",
  ].join("\n");
}

function formatStatuses(r: Results): string {
  const entries = Object.entries(r.runestoneRecorded.chatRequestsByStatus);
  return entries.length === 0 ? "no" : entries.map(([status, n]) => `${int(n)} × ${status}`).join(", ");
}
