// The measurements wrk cannot make, with undici clients in the bench process: time to the first streamed event,
// an open-loop fixed rate, and long streams whose events are counted.
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";

export interface Target {
  /** http://127.0.0.1:PORT */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

function post(pool: Pool, target: Target) {
  return pool.request({
    path: target.path,
    method: "POST",
    headers: { "content-type": "application/json", ...target.headers },
    body: target.body,
  });
}

export interface Latencies {
  /** ms, one per request that succeeded */
  samples: number[];
  errors: number;
}

/** One stream at a time: ms from sending the request to the first `data:` of the answer. */
export async function timeToFirstEvent(target: Target, count: number): Promise<Latencies> {
  const pool = new Pool(target.origin, { connections: 1 });
  const samples: number[] = [];
  let errors = 0;
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      let first: number | undefined;
      try {
        const answer = await post(pool, target);
        let tail = "";
        for await (const chunk of answer.body) {
          if (first !== undefined) continue;
          const text = tail + String(chunk);
          if (text.includes("data:")) first = performance.now() - started;
          tail = text.slice(-4);
        }
        if (answer.statusCode === 200 && first !== undefined) samples.push(first);
        else errors++;
      } catch {
        errors++;
      }
    }
  } finally {
    await pool.close();
  }
  return { samples, errors };
}

export interface OpenLoopResult extends Latencies {
  /** The most a request was sent after its due time, ms (the sender's own lag). */
  maxSendLagMs: number;
}

/**
 * Requests sent at a fixed rate whatever the answers do (open loop, no coordinated omission): ms from sending to
 * the end of the answer. Up to `connections` in flight; beyond that they wait in the client, and that counts.
 */
export async function openLoop(
  target: Target,
  perSecond: number,
  seconds: number,
  connections = 50,
): Promise<OpenLoopResult> {
  const pool = new Pool(target.origin, { connections });
  const samples: number[] = [];
  let errors = 0;
  let maxSendLagMs = 0;
  const one = async (): Promise<void> => {
    const sent = performance.now();
    try {
      const answer = await post(pool, target);
      await answer.body.dump({ limit: Number.POSITIVE_INFINITY });
      if (answer.statusCode === 200) samples.push(performance.now() - sent);
      else errors++;
    } catch {
      errors++;
    }
  };
  const total = Math.round(perSecond * seconds);
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - due);
    inFlight.push(one());
  }
  await Promise.all(inFlight);
  await pool.close();
  return { samples, errors, maxSendLagMs };
}

export interface StreamsResult {
  streams: number;
  /** Server-sent events received, all streams together. */
  events: number;
  /** ms from sending each request to the end of its stream */
  durations: number[];
  errors: number;
}

/** `concurrency` clients, each reading `perClient` streams one after another; counts every event received. */
export async function concurrentStreams(
  target: Target,
  concurrency: number,
  perClient: number,
): Promise<StreamsResult> {
  const pool = new Pool(target.origin, { connections: concurrency });
  const result: StreamsResult = { streams: 0, events: 0, durations: [], errors: 0 };
  const client = async (): Promise<void> => {
    for (let i = 0; i < perClient; i++) {
      const started = performance.now();
      try {
        const answer = await post(pool, target);
        let previous = "";
        for await (const chunk of answer.body) {
          // Events end with a blank line; the two newlines may arrive in different chunks.
          const text = previous + String(chunk);
          result.events += text.split("\n\n").length - 1;
          previous = text.endsWith("\n") && !text.endsWith("\n\n") ? "\n" : "";
        }
        if (answer.statusCode === 200) {
          result.streams++;
          result.durations.push(performance.now() - started);
        } else result.errors++;
      } catch {
        result.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  await pool.close();
  return result;
}
