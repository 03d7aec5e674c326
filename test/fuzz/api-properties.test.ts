import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { hashApiKey } from "../../src/tenants/tenant-directory.js";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/index.js";
import { checkResponse } from "../support/contract.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { spec } from "../support/spec-schemas.js";
import { requestArbitrary, type FuzzRequest } from "./request-arbitrary.js";

/*
 * Property-based: requests for every operation of spec/openapi.yaml, valid and broken in every way fast-check and
 * nasty-values.ts can think of, against a gateway process (Redis backend) in front of the fake upstream. Each
 * answer must come within the deadline, be a status the spec documents for the operation with a body that
 * validates (test/support/contract.ts), and never be a 5xx (the fake upstream is healthy: a 5xx is our own); the
 * process must still be alive and serving at the end.
 *
 * FUZZ_SEED reruns a failing run (its seed and counterexample path are in the failure message); FUZZ_RUNS changes
 * the number of cases (split over the concurrent workers).
 */

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3_000);
const WORKERS = 4;
const DEADLINE_MS = 10_000;

const MODELS = ["gpt-4o-mini", "claude-haiku-4-5", "fast", "openai/gpt-4o-mini", "o3", "gpt-5-nano"];
const ACME_KEY = "rsk_fuzz_acme_0123456789";
const ADMIN_KEY = "rsk_fuzz_admin_0123456789";
const TIGHT_KEY = "rsk_fuzz_tight_0123456789";

let fake: FakeUpstream;
let gateway: GatewayProcess;
const jobIds: string[] = [];
const histogram = new Map<string, number>();
const errorCodes = new Map<string, number>();

beforeAll(async () => {
  fake = await startFakeUpstream();
  const roomy = { max_concurrency: 64, requests_per_minute: 1_000_000, tokens_per_minute: 1_000_000_000_000 };
  gateway = await startGatewayProcess({
    name: "fuzz",
    fake,
    config: {
      redis_key_prefix: `runestone-fuzz:${randomUUID()}:`,
      // Requests without a model are routed by cost; those with routing_policy "default" take the other path.
      routing: { policy: "cost" },
      aliases: { fast: "anthropic/claude-haiku-4-5" },
      fallbacks: { "gpt-4o-mini": ["anthropic/claude-haiku-4-5"] },
      tenants: {
        acme: { api_keys: [hashApiKey(ACME_KEY)], ...roomy },
        ops: { admin_api_keys: [hashApiKey(ADMIN_KEY)], ...roomy },
        // At its limit at once: its requests wait briefly and are refused (429), or are queued (202) when asked.
        tight: { api_keys: [hashApiKey(TIGHT_KEY)], requests_per_minute: 1, max_queue_depth: 5, max_wait_ms: 500 },
      },
    },
  });
}, 30_000);

afterAll(async () => {
  await gateway?.stop();
  await fake?.close();
});

async function send(request: FuzzRequest): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(`${gateway.url}${request.url}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(DEADLINE_MS),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

function problemsOf(request: FuzzRequest, status: number, headers: Headers, body: string): string[] {
  const path = request.url.split("?")[0] ?? "/";
  const { problems } = checkResponse(request.method, path, status, headers, body);
  if (status >= 500) problems.push(`a ${status} from the gateway's own code: ${body.slice(0, 300)}`);
  return problems;
}

function errorCodeOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

function noteJob(body: string): void {
  const id = /"job_id":"([^"]+)"/.exec(body)?.[1];
  if (id && jobIds.length < 50) jobIds.push(id);
}

it(`answers ${RUNS} generated requests: documented, valid, no 5xx, no hang, no crash (seed ${SEED})`, async () => {
  console.log(`fuzz: seed ${SEED}, ${RUNS} cases (FUZZ_SEED=${SEED} reruns them)`);
  const requests = requestArbitrary(spec, {
    validAuthorizations: [`Bearer ${ACME_KEY}`, `Bearer ${ADMIN_KEY}`, `Bearer ${TIGHT_KEY}`],
    knownValues: { model: () => MODELS, job_id: () => jobIds },
    bodyHints: {
      model: fc.constantFrom(...MODELS),
      tenant_id: fc.constantFrom("acme", "ops", "tight", "nobody"),
      provider: fc.constantFrom("openai", "anthropic"),
      // A conversation the upstreams accept (the schema's own messages mostly break their rules on tool calls).
      messages: fc
        .array(
          fc.record({ role: fc.constantFrom("system", "user", "assistant"), content: fc.string({ minLength: 1 }) }),
          { minLength: 0, maxLength: 3 },
        )
        .map((earlier) => [...earlier, { role: "user", content: "hello" }]),
    },
  });
  const property = fc.asyncProperty(requests, async (request) => {
    const { status, headers, body } = await send(request);
    const bucket = `${request.target} ${status}`;
    histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
    const code = headers.get("content-type")?.startsWith("application/json") ? errorCodeOf(body) : undefined;
    if (code) errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
    if (status === 202) noteJob(body);
    const problems = problemsOf(request, status, headers, body);
    if (problems.length > 0) {
      const sent = `${request.method} ${request.url} ${JSON.stringify(request.headers)} ${request.body?.slice(0, 300)}`;
      throw new Error(`${sent}\n→ ${status}: ${problems.join("; ")}`);
    }
  });
  await Promise.all(
    Array.from({ length: WORKERS }, (_, worker) =>
      fc.assert(property, { seed: SEED + worker, numRuns: Math.ceil(RUNS / WORKERS), endOnFailure: true }),
    ),
  );

  const live = await fetch(`${gateway.url}/health/live`);
  expect(live.status).toBe(200);
  await live.text();
  const statuses = new Map<number, number>();
  for (const [bucket, count] of histogram) {
    const status = Number(bucket.split(" ").at(-1));
    statuses.set(status, (statuses.get(status) ?? 0) + count);
  }
  const report = {
    seed: SEED,
    cases: [...histogram.values()].reduce((a, b) => a + b, 0),
    statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
    byOperation: Object.fromEntries([...histogram].sort(([a], [b]) => (a < b ? -1 : 1))),
    errorCodes: Object.fromEntries([...errorCodes].sort(([, a], [, b]) => b - a)),
  };
  console.log(`fuzz: ${report.cases} cases, statuses ${JSON.stringify(report.statuses)}`);
  mkdirSync(join(process.cwd(), "test-output"), { recursive: true });
  writeFileSync(join(process.cwd(), "test-output", "fuzz-report.json"), `${JSON.stringify(report, null, 2)}\n`);
  expect(report.cases).toBeGreaterThanOrEqual(RUNS);
}, 110_000);
