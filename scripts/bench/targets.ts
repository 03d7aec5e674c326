// The targets of issue 11, each judged against this run's numbers. Ratios are what count on a shared machine;
// a ratio under half its target ("collapsed") fails --quick. Absolute targets (ms, MB) are reported, never fatal.
import type { PerServer, Results } from "./results.js";
import type { Throughput } from "./scenarios.js";

export interface Verdict {
  name: string;
  /** What was measured, formatted. */
  measured: string;
  target: string;
  verdict: "PASS" | "MISS" | "INFO";
  /** A ratio far off its target (beyond half of it), or errors: --quick exits 1. */
  collapsed: boolean;
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const times = (ratio: number) => `${ratio.toFixed(1)}×`;
const ms = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(2)} ms`;

/** A ratio that must be at least `min`; collapsed below min / 2. */
export function atLeast(name: string, ratio: number, min: number, stretch?: number): Verdict {
  const target = `≥ ${pct(min)}${stretch === undefined ? "" : ` (stretch ${pct(stretch)})`}`;
  const stretchMet = stretch !== undefined && ratio >= stretch ? " (stretch met)" : "";
  return {
    name,
    measured: `${pct(ratio)}${stretchMet}`,
    target,
    verdict: ratio >= min ? "PASS" : "MISS",
    collapsed: !(ratio >= min / 2),
  };
}

/** A ratio that must be at most `max`; collapsed above 2 × max. */
function atMost(name: string, ratio: number, max: number): Verdict {
  return {
    name,
    measured: times(ratio),
    target: `≤ ${times(max)}`,
    verdict: ratio <= max ? "PASS" : "MISS",
    collapsed: !(ratio <= max * 2),
  };
}

/** An absolute target: reported, never fatal (the machine is shared; absolute numbers move between runs). */
function absolute(name: string, measured: string, target: string, pass: boolean): Verdict {
  return { name, measured, target, verdict: pass ? "PASS" : "MISS", collapsed: false };
}

/** What the bare proxy and Runestone add to the upstream's own time. */
export function addedToUpstream<T>(per: PerServer<T>, value: (t: T) => number) {
  return { proxy: value(per.proxy) - value(per.upstream), runestone: value(per.runestone) - value(per.upstream) };
}

export function judge(r: Results): Verdict[] {
  const ttft = addedToUpstream(r.firstToken, (t) => t.p50Ms);
  const p50 = addedToUpstream(r.fixedRate, (t) => t.p50Ms);
  const p99 = addedToUpstream(r.fixedRate, (t) => t.p99Ms);
  const errors = [
    ...Object.values(r.plain),
    ...Object.values(r.stream20),
    r.anthropicLane.plain,
    r.anthropicLane.stream20,
    r.redis,
  ].reduce((sum, t) => sum + t.statusErrors + t.socketErrors, 0);
  const clientErrors =
    Object.values(r.firstToken).reduce((sum, t) => sum + t.errors, 0) +
    Object.values(r.fixedRate).reduce((sum, t) => sum + t.errors, 0) +
    r.longStreams.proxy.errors +
    r.longStreams.runestone.errors;

  const verdicts: Verdict[] = [
    atLeast("max req/s, plain", r.plain.runestone.perSecond / r.plain.proxy.perSecond, 0.25, 0.35),
    {
      name: "errors (non-2xx, socket) in every run",
      measured: String(errors + clientErrors),
      target: "0",
      verdict: errors + clientErrors === 0 ? "PASS" : "MISS",
      collapsed: errors + clientErrors > 0,
    },
    atLeast("max streams/s, 20 chunks", r.stream20.runestone.perSecond / r.stream20.proxy.perSecond, 0.25),
    atMost(
      "long streams: CPU per forwarded chunk",
      r.longStreams.runestone.cpuUsPerEvent / r.longStreams.proxy.cpuUsPerEvent,
      3,
    ),
    absolute(
      "added time to first token (p50)",
      `${ms(ttft.runestone)} (bare ${ms(ttft.proxy)})`,
      "≤ bare + 1 ms",
      ttft.runestone <= ttft.proxy + 1,
    ),
    absolute(
      `fixed ${Math.round(r.fixedRate.runestone.perSecond)} req/s: added p50`,
      `${ms(p50.runestone)} (bare ${ms(p50.proxy)})`,
      "≤ bare + 0.5 ms",
      p50.runestone <= p50.proxy + 0.5,
    ),
    absolute(
      `fixed ${Math.round(r.fixedRate.runestone.perSecond)} req/s: added p99`,
      `${ms(p99.runestone)} (bare ${ms(p99.proxy)})`,
      "≤ bare + 2 ms",
      p99.runestone <= p99.proxy + 2,
    ),
    {
      name: "CPU per plain request",
      measured: times(r.plain.runestone.cpuMsPerRequest / r.plain.proxy.cpuMsPerRequest),
      target: "(none)",
      verdict: "INFO",
      collapsed: false,
    },
    absolute("RSS idle", `${r.memory.runestone.idleMb.toFixed(0)} MB`, "≤ 80 MB", r.memory.runestone.idleMb <= 80),
    absolute(
      "RSS peak under 50 connections",
      `${r.memory.runestone.peakMb.toFixed(0)} MB`,
      "≤ 150 MB",
      r.memory.runestone.peakMb <= 150,
    ),
    r.memory.soak === undefined
      ? {
          name: "RSS after 5 min / after 1 min",
          measured: "(--long)",
          target: "≤ 110%",
          verdict: "INFO",
          collapsed: false,
        }
      : absolute(
          "RSS after 5 min / after 1 min",
          pct(r.memory.soak.afterFiveMinutesMb / r.memory.soak.afterOneMinuteMb),
          "≤ 110%",
          r.memory.soak.afterFiveMinutesMb <= r.memory.soak.afterOneMinuteMb * 1.1,
        ),
    absolute(
      "start to ready (Dockerfile CMD), median",
      `${r.startup.medianMs.toFixed(0)} ms`,
      "≤ 1000 ms (stretch 500)",
      r.startup.medianMs <= 1000,
    ),
    atLeast("Redis backend: plain req/s vs memory", r.redis.perSecond / r.plain.runestone.perSecond, 0.7),
    atLeast(
      "→ Anthropic lane: plain req/s vs OpenAI lane",
      r.anthropicLane.plain.perSecond / r.plain.runestone.perSecond,
      0.8,
    ),
    atLeast(
      "→ Anthropic lane: streams/s vs OpenAI lane",
      r.anthropicLane.stream20.perSecond / r.stream20.runestone.perSecond,
      0.8,
    ),
  ];
  return verdicts;
}

/** What --ci measures: throughput only. */
export interface CiResults {
  plain: { proxy: Throughput; runestone: Throughput; anthropicLane: Throughput; redis: Throughput };
  stream20: { proxy: Throughput; runestone: Throughput };
}

/**
 * `a`'s capacity against `b`'s: the higher of their throughput ratio and their inverse ratio of CPU per request.
 * Both fall when the code gets slower; when other processes take the CPU from one of them mid-run, only the
 * throughput ratio does: --ci fails only when both collapse, so a busy machine does not fail it.
 */
function capacity(name: string, a: Throughput, b: Throughput, min: number): Verdict {
  const byThroughput = a.perSecond / b.perSecond;
  const byCpu = b.cpuMsPerRequest / a.cpuMsPerRequest;
  const verdict = atLeast(name, Math.max(byThroughput, byCpu), min);
  return { ...verdict, measured: `${pct(byThroughput)} (by CPU per request ${pct(byCpu)})` };
}

/** The throughput ratios of issue 11, for --ci; `collapsed` (under half the target, or errors) fails CI. */
export function judgeCi(r: CiResults): Verdict[] {
  const errors = [...Object.values(r.plain), ...Object.values(r.stream20)].reduce(
    (sum, t) => sum + t.statusErrors + t.socketErrors,
    0,
  );
  return [
    capacity("max req/s, plain", r.plain.runestone, r.plain.proxy, 0.25),
    capacity("max streams/s, 20 chunks", r.stream20.runestone, r.stream20.proxy, 0.25),
    capacity("Redis backend: plain req/s vs memory", r.plain.redis, r.plain.runestone, 0.7),
    capacity("→ Anthropic lane: plain req/s vs OpenAI lane", r.plain.anthropicLane, r.plain.runestone, 0.8),
    {
      name: "errors (non-2xx, socket) in every run",
      measured: String(errors),
      target: "0",
      verdict: errors === 0 ? "PASS" : "MISS",
      collapsed: errors > 0,
    },
  ];
}
