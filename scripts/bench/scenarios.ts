// The scenarios of npm run bench, one after another (the machine has 2 cores: nothing runs alongside a measurement
// but the load generator and the upstream). Each warms its targets up with the same load before measuring.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { benchStreamPrompt } from "./bench-stream.js";
import { concurrentStreams, openLoop, type Target, timeToFirstEvent } from "./http-clients.js";
import type { Mode } from "./options.js";
import { cpuSeconds, rssMb } from "./proc-stats.js";
import type { ServerProcess } from "./server-process.js";
import { median, quantile } from "./stats.js";
import { wrk } from "./wrk.js";

export const CONNECTIONS = 50;
export const LONG_STREAM = { chunks: 500, intervalMs: 10 };
const CHAT_PATH = "/v1/chat/completions";
const PROMPT = "Summarize the benefits of connection pooling in two sentences.";

export type BodyName = "plain" | "stream20" | "long" | "anthropicPlain" | "anthropicStream20";

function bodyOf(name: BodyName): object {
  const user = (content: string) => [{ role: "user", content }];
  // Streams ask for usage as Runestone asks its upstream for it, so the fake sends the same stream either way.
  const streamed = (model: string, chunks: number, intervalMs: number) => ({
    model,
    messages: user(benchStreamPrompt({ chunks, intervalMs })),
    stream: true,
    stream_options: { include_usage: true },
  });
  switch (name) {
    case "plain":
      return { model: "gpt-4o-mini", messages: user(PROMPT) };
    case "stream20":
      return streamed("gpt-4o-mini", 20, 0);
    case "long":
      return streamed("gpt-4o-mini", LONG_STREAM.chunks, LONG_STREAM.intervalMs);
    case "anthropicPlain":
      return { model: "claude-haiku-4-5", messages: user(PROMPT) };
    case "anthropicStream20":
      return streamed("claude-haiku-4-5", 20, 0);
  }
}

export interface Bench {
  mode: Mode;
  dir: string;
  /** `Bearer <key>`: the tenant's key for Runestone; the fake upstream takes any key. */
  authorization: string;
}

function bodyFile(bench: Bench, name: BodyName): string {
  const path = join(bench.dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(bodyOf(name)));
  return path;
}

function target(bench: Bench, server: ServerProcess, body: BodyName): Target {
  return {
    origin: server.url,
    path: CHAT_PATH,
    headers: { authorization: bench.authorization },
    body: JSON.stringify(bodyOf(body)),
  };
}

export interface Throughput {
  perSecond: number;
  requests: number;
  seconds: number;
  statusErrors: number;
  socketErrors: number;
  /** Process CPU time per request served, ms. */
  cpuMsPerRequest: number;
}

/** A server and the request it is sent. */
export interface Contender {
  server: ServerProcess;
  body: BodyName;
}

/**
 * wrk at 50 connections against each contender: all warmed up, then measured in rounds that take turns (so that
 * a burst of other work on the machine hits every contender alike), the server's CPU time read around each run.
 */
export async function maxThroughput<K extends string>(
  bench: Bench,
  contenders: Record<K, Contender>,
): Promise<Record<K, Throughput>> {
  const names = Object.keys(contenders) as K[];
  const run = (name: K) => ({
    url: `${contenders[name].server.url}${CHAT_PATH}`,
    bodyFile: bodyFile(bench, contenders[name].body),
    authorization: bench.authorization,
    connections: CONNECTIONS,
  });
  for (const name of names) await wrk({ ...run(name), seconds: bench.mode.warmupSeconds });
  const totals = new Map<
    K,
    { requests: number; seconds: number; statusErrors: number; socketErrors: number; cpu: number }
  >();
  for (let round = 0; round < bench.mode.rounds; round++) {
    for (const name of names) {
      const cpuBefore = cpuSeconds(contenders[name].server.pid);
      const r = await wrk({ ...run(name), seconds: bench.mode.roundSeconds });
      const cpu = cpuSeconds(contenders[name].server.pid) - cpuBefore;
      const sum = totals.get(name) ?? { requests: 0, seconds: 0, statusErrors: 0, socketErrors: 0, cpu: 0 };
      totals.set(name, {
        requests: sum.requests + r.requests,
        seconds: sum.seconds + r.seconds,
        statusErrors: sum.statusErrors + r.statusErrors,
        socketErrors: sum.socketErrors + r.socketErrors,
        cpu: sum.cpu + cpu,
      });
    }
  }
  const results = {} as Record<K, Throughput>;
  for (const name of names) {
    const { cpu, ...sum } = totals.get(name) ?? { requests: 0, seconds: 0, statusErrors: 0, socketErrors: 0, cpu: 0 };
    results[name] = { ...sum, perSecond: sum.requests / sum.seconds, cpuMsPerRequest: (cpu * 1000) / sum.requests };
  }
  return results;
}

export interface FirstToken {
  p50Ms: number;
  p99Ms: number;
  streams: number;
  errors: number;
}

/** Sequential 20-chunk streams: time to the first `data:` event. */
export async function firstToken(bench: Bench, server: ServerProcess): Promise<FirstToken> {
  const streamTarget = target(bench, server, "stream20");
  await timeToFirstEvent(streamTarget, bench.mode.firstTokenWarmup);
  const { samples, errors } = await timeToFirstEvent(streamTarget, bench.mode.firstTokenStreams);
  return { p50Ms: median(samples), p99Ms: quantile(samples, 0.99), streams: samples.length, errors };
}

export interface FixedRate {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  maxSendLagMs: number;
}

/** Plain requests at a fixed rate (open loop). */
export async function fixedRate(bench: Bench, server: ServerProcess, perSecond: number): Promise<FixedRate> {
  const plain = target(bench, server, "plain");
  await openLoop(plain, perSecond, bench.mode.warmupSeconds);
  const r = await openLoop(plain, perSecond, bench.mode.rounds * bench.mode.roundSeconds, CONNECTIONS);
  return {
    perSecond,
    p50Ms: median(r.samples),
    p99Ms: quantile(r.samples, 0.99),
    requests: r.samples.length,
    errors: r.errors,
    maxSendLagMs: r.maxSendLagMs,
  };
}

export interface LongStreams {
  streams: number;
  events: number;
  errors: number;
  /** Process CPU time per event forwarded, µs. */
  cpuUsPerEvent: number;
  /** Median time from request to the end of a stream, ms (the upstream alone paces it at ~chunks × interval). */
  p50DurationMs: number;
}

/** 50 concurrent paced streams of 500 chunks; the server's CPU time over the events the clients received. */
export async function longStreams(bench: Bench, server: ServerProcess): Promise<LongStreams> {
  const long = target(bench, server, "long");
  if (bench.mode.longStreamWarmup) await concurrentStreams(long, CONNECTIONS, 1);
  const cpuBefore = cpuSeconds(server.pid);
  const r = await concurrentStreams(long, CONNECTIONS, bench.mode.longStreamsPerClient);
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  return {
    streams: r.streams,
    events: r.events,
    errors: r.errors,
    cpuUsPerEvent: (cpu * 1e6) / r.events,
    p50DurationMs: median(r.durations),
  };
}

/** RSS once the process has been idle for a second. */
export async function idleRss(server: ServerProcess): Promise<number> {
  await sleep(1000);
  return rssMb(server.pid);
}

export interface Soak {
  afterOneMinuteMb: number;
  afterFiveMinutesMb: number;
  requests: number;
  errors: number;
}

/** Plain load at 50 connections for 5 minutes; RSS after the first minute and at the end. */
export async function soak(bench: Bench, server: ServerProcess): Promise<Soak> {
  const run = {
    url: `${server.url}${CHAT_PATH}`,
    bodyFile: bodyFile(bench, "plain"),
    authorization: bench.authorization,
    connections: CONNECTIONS,
  };
  const first = await wrk({ ...run, seconds: 60 });
  const afterOneMinuteMb = rssMb(server.pid);
  const rest = await wrk({ ...run, seconds: 240 });
  return {
    afterOneMinuteMb,
    afterFiveMinutesMb: rssMb(server.pid),
    requests: first.requests + rest.requests,
    errors: first.statusErrors + first.socketErrors + rest.statusErrors + rest.socketErrors,
  };
}
