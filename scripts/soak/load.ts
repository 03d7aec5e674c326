import { setTimeout as sleep } from "node:timers/promises";

/** One kind of request of the soak's mix, and the answers it may get. */
export type LoadKind = "plain" | "stream" | "tools" | "abort" | "failover" | "queued" | "rejected";

export const MIX: readonly LoadKind[] = [
  "plain",
  "plain",
  "stream",
  "stream",
  "tools",
  "abort",
  "failover",
  "queued",
  "rejected",
];

/** Content that makes the fake upstream's OpenAI side answer 503, so that the request fails over to Anthropic. */
export const FAILOVER_MARK = "soak-failover";

export interface Outcome {
  kind: LoadKind;
  /** "200", "202→succeeded", "429", "503 state_backend_unavailable", "error: …" */
  result: string;
  expected: boolean;
  /** Sent while Redis was being restarted: a 503 naming it is expected then. */
  duringRestart: boolean;
}

const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

/** What the soak knows of Redis: whether it is being restarted now, and how many restarts began so far. */
export interface RedisState {
  restarting(): boolean;
  restarts(): number;
}

/** Requests of the over-limit kinds go out in bursts, so that their tenant (one slot) is over its limit. */
export async function sendBurst(url: string, kind: LoadKind, n: number, redis: RedisState): Promise<Outcome[]> {
  const size = kind === "queued" || kind === "rejected" ? 3 : 1;
  return Promise.all(Array.from({ length: size }, (_, i) => sendOne(url, kind, n * 10 + i, redis)));
}

/**
 * Sends one request of the kind and judges the answer. While Redis restarts (or when a restart happened while the
 * request or its job was pending), a 503 naming Redis is expected, and so is a job lost with Redis's data.
 */
export async function sendOne(url: string, kind: LoadKind, n: number, redis: RedisState): Promise<Outcome> {
  const restartsBefore = redis.restarts();
  const wasRestarting = redis.restarting();
  const overlapped = () => wasRestarting || redis.restarting() || redis.restarts() !== restartsBefore;
  try {
    const result = await send(url, kind, n);
    const duringRestart = overlapped();
    const expected =
      EXPECTED[kind].includes(result) ||
      (duringRestart && /^503 state_backend_unavailable$|→job_not_found$/.test(result));
    return { kind, result, expected, duringRestart };
  } catch (err) {
    const result = `error: ${err instanceof Error ? err.message : String(err)}`;
    return { kind, result, expected: false, duringRestart: overlapped() };
  }
}

const EXPECTED: Record<LoadKind, readonly string[]> = {
  plain: ["200"],
  stream: ["200 [DONE]"],
  tools: ["200"],
  abort: ["200 aborted"],
  failover: ["200 anthropic"],
  queued: ["200", "202→succeeded"],
  rejected: ["200", "429 rate_limit_exceeded"],
};

async function send(url: string, kind: LoadKind, n: number): Promise<string> {
  const tenant = kind === "queued" ? "queued" : kind === "rejected" ? "rejected" : "steady";
  const content = kind === "failover" ? `${FAILOVER_MARK} ${n}` : `soak request ${n} of kind ${kind}`;
  const body: Record<string, unknown> = {
    model: "gpt-4o-mini",
    messages: [{ role: "user", content }],
    tenant_id: tenant,
    ...(kind === "tools" ? { tools: [WEATHER_TOOL] } : {}),
  };
  const path = kind === "stream" || kind === "abort" ? "/v1/chat/stream" : "/v1/chat/completions";
  const controller = new AbortController();
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.any([controller.signal, AbortSignal.timeout(30_000)]),
  });
  if (kind === "abort" && response.status === 200) {
    await response.body?.getReader().read();
    controller.abort();
    return "200 aborted";
  }
  const text = await response.text();
  if (response.status === 202) return `202→${await jobOutcome(url, JSON.parse(text).job_id as string, tenant)}`;
  if (response.status !== 200) return `${response.status} ${errorCode(text)}`;
  if (kind === "stream") return text.includes("data: [DONE]") ? "200 [DONE]" : "200 without [DONE]";
  if (kind === "failover") return `200 ${response.headers.get("x-runestone-provider")}`;
  return "200";
}

function errorCode(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? "no code";
  } catch {
    return "not JSON";
  }
}

/** Polls the job until it ends: its status, or the error code of the poll. */
async function jobOutcome(url: string, id: string, tenant: string): Promise<string> {
  for (let polls = 0; polls < 600; polls++) {
    const response = await fetch(`${url}/v1/jobs/${id}?tenant_id=${tenant}`);
    const body = (await response.json()) as { status?: string; error?: { code?: string } };
    if (response.status !== 200) {
      // Redis away for a moment: poll again.
      if (response.status === 503) {
        await sleep(200);
        continue;
      }
      return body.error?.code ?? String(response.status);
    }
    if (body.status !== "queued" && body.status !== "running") return body.status ?? "no status";
    await sleep(100);
  }
  return "still unfinished after 60 s";
}
