import cluster, { type Worker } from "node:cluster";

/** RUNESTONE_WORKERS: how many processes serve the port (node:cluster); one when unset. */
export function parseWorkers(value: string | undefined): number | { error: string } {
  if (value === undefined || value === "") return 1;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    return { error: `RUNESTONE_WORKERS must be a whole number of processes, 1 or more (got "${value}")` };
  }
  return Number(value);
}

/** Why several workers need Redis: with the memory backend each would keep state of its own. */
export function memoryBackendRefusal(workers: number): string {
  return (
    `RUNESTONE_WORKERS=${workers} needs the Redis state backend (REDIS_URL or redis_url): with the memory backend ` +
    "each worker would keep its own limits, circuit breakers, overflow queue and usage. Set REDIS_URL, or run 1 worker."
  );
}

/**
 * The primary process: forks the workers (each a whole gateway on the same port; node:cluster hands out the
 * connections) and replaces one that dies while serving. A worker that exits before it listens (a port taken, say)
 * stops them all with its exit code rather than be forked again and again. SIGTERM and SIGINT stop the workers,
 * each draining as a single process does, then the primary.
 */
export function superviseWorkers(count: number, log: (line: string) => void): void {
  let stopping: { code: number } | undefined;
  const alive = new Set<Worker>();
  const listening = new WeakSet<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    alive.add(worker);
    worker.once("listening", () => listening.add(worker));
  };
  const stop = (code: number) => {
    stopping = { code };
    if (alive.size === 0) process.exit(code);
    for (const worker of alive) worker.process.kill("SIGTERM");
  };
  cluster.on("exit", (worker, code, signal) => {
    alive.delete(worker);
    if (stopping) {
      if (alive.size === 0) process.exit(stopping.code);
    } else if (!listening.has(worker)) {
      log(`worker ${worker.process.pid} exited before it listened (${signal ?? `code ${code}`}); stopping`);
      stop(code === 0 || code === null ? 1 : code);
    } else {
      log(`worker ${worker.process.pid} died (${signal ?? `code ${code}`}); starting another`);
      fork();
    }
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => stop(0));
  log(`Runestone: ${count} worker processes (node:cluster), sharing limits, breakers, queue and usage through Redis`);
  for (let i = 0; i < count; i++) fork();
}
