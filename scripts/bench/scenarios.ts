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

/**
 * Warms every server up, then measures them in rounds in which they take turns, never two at once: a burst of other
 * work on the machine then hits all of them alike. Returns each one's measurements, one per round.
 */
async function inTurns<K extends string, T>(
  names: readonly K[],
  rounds: number,
  warmUp: (name: K) => Promise<unknown>,
  measure: (name: K) => Promise<T>,
): Promise<Record<K, T[]>> {
  for (const name of names) await warmUp(name);
  const results = new Map<K, T[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) results.get(name)?.push(await measure(name));
  }
  return Object.fromEntries(results) as Record<K, T[]>;
}

function keysOf<K extends string>(record: Record<K, unknown>): K[] {
  return Object.keys(record) as K[];
}

function mapValues<K extends string, T, U>(record: Record<K, T>, map: (value: T) => U): Record<K, U> {
  return Object.fromEntries(keysOf(record).map((key) => [key, map(record[key])])) as Record<K, U>;
}

const sum = <T>(items: readonly T[], value: (item: T) => number) => items.reduce((total, i) => total + value(i), 0);

/** Runs `measure` and reads the server's CPU time (seconds) around it. */
async function withCpu<T>(server: ServerProcess, measure: () => Promise<T>): Promise<T & { cpu: number }> {
  const before = cpuSeconds(server.pid);
  const result = await measure();
  return { ...result, cpu: cpuSeconds(server.pid) - before };
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

/** wrk at 50 connections against each contender, in turns. */
export async function maxThroughput<K extends string>(
  bench: Bench,
  contenders: Record<K, Contender>,
): Promise<Record<K, Throughput>> {
  const run = (name: K, seconds: number) =>
    wrk({
      url: `${contenders[name].server.url}${CHAT_PATH}`,
      bodyFile: bodyFile(bench, contenders[name].body),
      authorization: bench.authorization,
      connections: CONNECTIONS,
      seconds,
    });
  const warmUp = async (name: K) => {
    let served = (await run(name, bench.mode.warmupSeconds)).requests;
    for (const until = Date.now() + 15_000; served < bench.mode.warmupRequests && Date.now() < until; ) {
      served += (await run(name, 1)).requests;
    }
  };
  const runs = await inTurns(
    keysOf(contenders),
    bench.mode.rounds,
    (name) => warmUp(name),
    (name) => withCpu(contenders[name].server, () => run(name, bench.mode.roundSeconds)),
  );
  return mapValues(runs, (r): Throughput => {
    const requests = sum(r, (x) => x.requests);
    const seconds = sum(r, (x) => x.seconds);
    return {
      perSecond: requests / seconds,
      requests,
      seconds,
      statusErrors: sum(r, (x) => x.statusErrors),
      socketErrors: sum(r, (x) => x.socketErrors),
      cpuMsPerRequest: (sum(r, (x) => x.cpu) * 1000) / requests,
    };
  });
}

export interface FirstToken {
  p50Ms: number;
  p99Ms: number;
  streams: number;
  errors: number;
}

/** Sequential 20-chunk streams, in turns: time to the first `data:` event. */
export async function firstToken<K extends string>(
  bench: Bench,
  servers: Record<K, ServerProcess>,
): Promise<Record<K, FirstToken>> {
  const { mode } = bench;
  const streams = (name: K, count: number) => timeToFirstEvent(target(bench, servers[name], "stream20"), count);
  const runs = await inTurns(
    keysOf(servers),
    mode.rounds,
    (name) => streams(name, mode.firstTokenWarmup),
    (name) => streams(name, Math.ceil(mode.firstTokenStreams / mode.rounds)),
  );
  return mapValues(runs, (r) => {
    const samples = r.flatMap((x) => x.samples);
    return {
      p50Ms: median(samples),
      p99Ms: quantile(samples, 0.99),
      streams: samples.length,
      errors: sum(r, (x) => x.errors),
    };
  });
}

export interface FixedRate {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  /** The most a request was sent after its due time, ms (the client's own lag). */
  maxSendLagMs: number;
}

/** Plain requests at a fixed rate (open loop), in turns. */
export async function fixedRate<K extends string>(
  bench: Bench,
  servers: Record<K, ServerProcess>,
  perSecond: number,
): Promise<Record<K, FixedRate>> {
  const { mode } = bench;
  const load = (name: K, seconds: number) =>
    openLoop(target(bench, servers[name], "plain"), perSecond, seconds, CONNECTIONS);
  const runs = await inTurns(
    keysOf(servers),
    mode.rounds,
    (name) => load(name, mode.warmupSeconds),
    (name) => load(name, mode.roundSeconds),
  );
  return mapValues(runs, (r) => {
    const samples = r.flatMap((x) => x.samples);
    return {
      perSecond,
      p50Ms: median(samples),
      p99Ms: quantile(samples, 0.99),
      requests: samples.length,
      errors: sum(r, (x) => x.errors),
      maxSendLagMs: Math.max(...r.map((x) => x.maxSendLagMs)),
    };
  });
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

/** 50 concurrent paced streams of 500 chunks a round, in turns; the server's CPU time over the events received. */
export async function longStreams<K extends string>(
  bench: Bench,
  servers: Record<K, ServerProcess>,
): Promise<Record<K, LongStreams>> {
  const streams = (name: K) => concurrentStreams(target(bench, servers[name], "long"), CONNECTIONS, 1);
  const runs = await inTurns(
    keysOf(servers),
    bench.mode.longStreamRounds,
    (name) => (bench.mode.longStreamWarmup ? streams(name) : Promise.resolve()),
    (name) => withCpu(servers[name], () => streams(name)),
  );
  return mapValues(runs, (r) => {
    const events = sum(r, (x) => x.events);
    return {
      streams: sum(r, (x) => x.streams),
      events,
      errors: sum(r, (x) => x.errors),
      cpuUsPerEvent: (sum(r, (x) => x.cpu) * 1e6) / events,
      p50DurationMs: median(r.flatMap((x) => x.durations)),
    };
  });
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
