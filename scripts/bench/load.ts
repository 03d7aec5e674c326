import { Agent, request } from "node:http";

export interface LoadResult {
  requests: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

/** Sends `total` POSTs with `concurrency` in flight over keep-alive connections; latency is to the last byte. */
export async function load(
  url: string,
  body: string,
  total: number,
  concurrency: number,
  headers: Record<string, string> = {},
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => {
            if (res.statusCode !== 200) failures++;
            latencies.push(performance.now() - started);
            resolve();
          });
        },
      );
      req.on("error", () => {
        failures++;
        resolve();
      });
      req.end(body);
    });
  const worker = async () => {
    while (next < total) {
      next++;
      await one();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: total, seconds, p50Ms: at(0.5), p99Ms: at(0.99), failures };
}
