import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { freePort } from "./gateway-process.js";

/**
 * A redis-server of the test's own (no persistence) on a free port, to restart, stop and freeze without touching the
 * shared Redis on 6379. Killed when the test process exits.
 */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Started (again) on the same port; resolves once it answers. */
  start(): Promise<void>;
  /** SIGKILL: gone at once, with its data and scripts. */
  stop(): Promise<void>;
  /** stop() then start(): an empty Redis, as after a crash without persistence. */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open, nothing is answered. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** Clients connected now (INFO clients), this helper's own connection excluded. */
  clients(): Promise<number>;
}

const servers = new Set<ChildProcess>();
process.once("exit", () => {
  for (const server of servers) server.kill("SIGKILL");
});

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let server: ChildProcess | undefined;
  const start = async () => {
    const child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    servers.add(child);
    child.once("exit", () => servers.delete(child));
    server = child;
    for (let i = 0; i < 100; i++) {
      const probe = new Redis(port, "127.0.0.1", {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on("error", () => {});
      const up = await probe.connect().then(
        () => probe.ping().then(() => true),
        () => false,
      );
      probe.disconnect();
      if (up) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on port ${port}`);
  };
  const stop = async () => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await once(child, "exit");
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    freeze: () => server?.kill("SIGSTOP"),
    thaw: () => server?.kill("SIGCONT"),
    async clients() {
      const probe = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1 });
      try {
        const info = await probe.info("clients");
        return Number(/connected_clients:(\d+)/.exec(info)?.[1]) - 1;
      } finally {
        probe.disconnect();
      }
    },
  };
}
