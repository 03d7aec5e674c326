// What the kernel says a process used: CPU time from /proc/<pid>/stat, resident memory from /proc/<pid>/status.
// Linux only; the same reading for every server, so no process reports on itself.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** User + system CPU seconds of every thread of the process since it started. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces: count fields from after its ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS_PER_SECOND;
}

/** Resident set size, MB (VmRSS). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

/** Samples the RSS of each process every `everyMs` while running; `stop()` returns each one's highest sample. */
export function sampleRss(pids: readonly number[], everyMs = 100): { stop(): Map<number, number> } {
  const peaks = new Map<number, number>();
  const sample = () => {
    for (const pid of pids) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, rssMb(pid)));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

/** CPU seconds the whole machine spent busy (all CPUs, /proc/stat: everything but idle and iowait). */
export function machineBusySeconds(): number {
  const [, ...jiffies] = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = jiffies;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** CPU seconds of this process and of every child it has waited for (exited servers, wrk runs, their children). */
export function ownAndReapedSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8");
  const after = fields.slice(fields.lastIndexOf(")") + 2).split(" ");
  // utime, stime, cutime, cstime: fields 14 to 17.
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(after[i]), 0) / TICKS_PER_SECOND;
}

/** The 1-minute load average. */
export function loadAverage(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

export interface MachineNoise {
  /** CPUs' worth of work done by processes other than the bench's, on average over the time tracked. */
  othersCpus: number;
  loadAtStart: number;
  loadAtEnd: number;
}

/**
 * How busy the rest of the machine was while the bench ran: all CPU time spent, minus the bench's own (this process,
 * the children it has reaped, and `liveChildren`, read from /proc).
 */
export function trackMachine(liveChildren: () => readonly number[]): { end(): MachineNoise } {
  const ours = () => ownAndReapedSeconds() + liveChildren().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const started = performance.now();
  const busy = machineBusySeconds();
  const own = ours();
  const loadAtStart = loadAverage();
  return {
    end() {
      const seconds = (performance.now() - started) / 1000;
      const others = machineBusySeconds() - busy - (ours() - own);
      return { othersCpus: Math.max(0, others / seconds), loadAtStart, loadAtEnd: loadAverage() };
    },
  };
}
