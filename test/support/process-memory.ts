import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

/** A process's resident set size in bytes, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** Runs `work` while sampling the process's RSS every `intervalMs`; resolves with its result and the peak seen. */
export async function peakRssDuring<T>(
  pid: number,
  work: () => Promise<T>,
  intervalMs = 10,
): Promise<{ result: T; peak: number }> {
  let peak = rssBytes(pid);
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, rssBytes(pid));
      await sleep(intervalMs);
    }
  })();
  try {
    return { result: await work(), peak };
  } finally {
    done = true;
    await sampler;
    peak = Math.max(peak, rssBytes(pid));
  }
}

export const MB = 1024 * 1024;

export const GC_PROBE = fileURLToPath(new URL("./gc-probe.mjs", import.meta.url));

export interface MemoryAfterGc {
  heapUsed: number;
  rss: number;
}

/**
 * Asks a process started with NODE_OPTIONS=`--import ${GC_PROBE}` for a full garbage collection, and reads the
 * heap and RSS it reports after it from the process's output.
 */
export async function memoryAfterGc(pid: number, output: () => string): Promise<MemoryAfterGc> {
  const seen = output().split("gc_probe").length;
  process.kill(pid, "SIGUSR2");
  for (let i = 0; i < 200; i++) {
    const parts = output().split("gc_probe");
    if (parts.length > seen) {
      const line = /^":(\{[^}]*\})/.exec(parts[seen] ?? "")?.[1];
      if (line) return JSON.parse(line) as MemoryAfterGc;
    }
    await sleep(10);
  }
  throw new Error(
    `process ${pid} did not report its memory after SIGUSR2 (is ${GC_PROBE} preloaded?); ` +
      `its output ends: ${output().slice(-500)}`,
  );
}
