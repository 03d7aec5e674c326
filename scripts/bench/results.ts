import type { MachineNoise } from "./proc-stats.js";
import type { Recorded } from "./runestone-process.js";
import type { FirstToken, FixedRate, LongStreams, Soak, Throughput } from "./scenarios.js";

/** The three servers every comparison is made between. */
export type Server = "upstream" | "proxy" | "runestone";
export type PerServer<T> = Record<Server, T>;

export interface Startup {
  /** The Dockerfile's CMD, as run. */
  command: string;
  runsMs: number[];
  medianMs: number;
}

export interface Results {
  meta: {
    date: string;
    mode: string;
    node: string;
    cpus: number;
    commit: string;
    connections: number;
    machine: MachineNoise;
    /** CPUs other processes kept busy during each scenario. */
    othersCpusByScenario: Record<string, number>;
  };
  startup: Startup;
  npmStart: Startup;
  memory: {
    proxy: { idleMb: number; peakMb: number };
    runestone: { idleMb: number; peakMb: number };
    soak?: Soak;
  };
  plain: PerServer<Throughput>;
  stream20: PerServer<Throughput>;
  /** Runestone only: the OpenAI request translated for the fake's Anthropic side. */
  anthropicLane: { plain: Throughput; stream20: Throughput };
  firstToken: PerServer<FirstToken>;
  fixedRate: PerServer<FixedRate>;
  longStreams: PerServer<LongStreams>;
  /** Runestone with the Redis state backend. */
  redis: Throughput;
  /** What Runestone itself recorded, to show that metrics and the request log were on. */
  runestoneRecorded: Recorded;
}
