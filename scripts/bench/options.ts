export const USAGE = `npm run bench [-- options]

  (none)          full run, a few minutes: each measurement 5 rounds of 3 s after 5 s of warm-up
  --quick         2 rounds of 3 s after 2 s of warm-up; exits 1 when a ratio falls under half its target
  --ci            the throughput ratios only, about 25 s of measuring (.ci/run): exits 1 when one falls under
                  half its target, or on errors
  --long          the full run plus 5 minutes of load (RSS after 5 minutes against after the first)
  --json FILE     also write every number, the targets and the verdicts to FILE
  --help
`;

export interface Mode {
  name: "ci" | "quick" | "full" | "long";
  warmupSeconds: number;
  /** Throughput warm-up goes on (1 s at a time, at most 15 s) until a server has answered this many requests. */
  warmupRequests: number;
  /** Throughput is measured in rounds in which the servers take turns; fixed-rate runs last rounds × roundSeconds. */
  rounds: number;
  roundSeconds: number;
  firstTokenWarmup: number;
  firstTokenStreams: number;
  longStreamWarmup: boolean;
  /** Rounds of 50 concurrent long streams (500 chunks 10 ms apart: ~5.5 s a round). */
  longStreamRounds: number;
  startRuns: number;
  soak: boolean;
}

const QUICK: Mode = {
  name: "quick",
  warmupSeconds: 2,
  warmupRequests: 0,
  rounds: 2,
  roundSeconds: 3,
  firstTokenWarmup: 20,
  firstTokenStreams: 100,
  longStreamWarmup: false,
  longStreamRounds: 1,
  startRuns: 3,
  soak: false,
};

/**
 * Only maxThroughput runs in --ci (2 rounds of 1 s after a warm-up of 300 requests): the ratios, not latencies or
 * memory. Warmed up by requests, not seconds: on a busy machine a few seconds leave the JIT compiler cold.
 */
const CI: Mode = {
  ...QUICK,
  name: "ci",
  warmupSeconds: 1,
  warmupRequests: 300,
  rounds: 2,
  roundSeconds: 1,
  startRuns: 0,
};

const FULL: Mode = {
  name: "full",
  warmupSeconds: 5,
  warmupRequests: 0,
  rounds: 5,
  roundSeconds: 3,
  firstTokenWarmup: 50,
  firstTokenStreams: 300,
  longStreamWarmup: true,
  longStreamRounds: 3,
  startRuns: 5,
  soak: false,
};

export type Options = { kind: "help" } | { kind: "run"; mode: Mode; json?: string };

export function parseOptions(args: readonly string[]): Options {
  let mode = FULL;
  let json: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    else if (arg === "--quick") mode = QUICK;
    else if (arg === "--ci") mode = CI;
    else if (arg === "--long") mode = { ...FULL, name: "long", soak: true };
    else if (arg === "--json" && args[i + 1] !== undefined) json = args[++i];
    else throw new Error(`unknown option ${arg}\n\n${USAGE}`);
  }
  return { kind: "run", mode, ...(json === undefined ? {} : { json }) };
}
