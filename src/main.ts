import cluster from "node:cluster";
import {
  describeAuth,
  listenFailure,
  parseCli,
  type ProviderFact,
  startupBanner,
  type StartupFacts,
  unreachableRedisWarning,
  USAGE,
} from "./cli.js";
import { ConfigError, type LoadedConfig, loadConfig } from "./config/load-config.js";
import { isLoopback } from "./http/client-origin.js";
import { VERSION } from "./package/version.js";
import type { Runtime } from "./runtime.js";
import type { RunningGateway } from "./server.js";
import { memoryBackendRefusal, parseWorkers, superviseWorkers } from "./workers.js";

async function main(): Promise<void> {
  const command = parseCli(process.argv.slice(2));
  if (command.kind === "help") return void process.stdout.write(USAGE);
  if (command.kind === "version") return void process.stdout.write(`${VERSION}\n`);
  if (command.kind === "error") {
    process.stderr.write(`${command.message}\n\n${USAGE}`);
    process.exit(2);
  }
  // The command line wins over the environment, which wins over the file: --port goes in as PORT does (so a
  // reload of the config file keeps it), --config as RUNESTONE_CONFIG does.
  const env = { ...process.env, ...(command.port !== undefined ? { PORT: String(command.port) } : {}) };
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig({ env, ...(command.config !== undefined ? { path: command.config } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { config, path } = loaded;
  const workers = parseWorkers(process.env.RUNESTONE_WORKERS);
  if (typeof workers === "object" || (workers > 1 && config.redis_url === undefined)) {
    process.stderr.write(`${typeof workers === "object" ? workers.error : memoryBackendRefusal(workers)}\n`);
    process.exit(1);
  }
  // The primary of several workers only supervises: it never loads the gateway itself.
  if (workers > 1 && cluster.isPrimary) return superviseWorkers(workers, (line) => process.stdout.write(`${line}\n`));
  const { startGateway, STATE_BACKEND_WAIT_MS } = await import("./server.js");
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config, { configPath: path, env });
  } catch (err) {
    const reason = listenFailure(err, config.server.host, config.server.port);
    if (reason === undefined) throw err;
    process.stderr.write(`${reason}\n`);
    process.exit(1);
  }
  const { runtime } = gateway;
  const { logger } = runtime;
  const bound = gateway.server.address();
  const listeningBeyondLoopback = typeof bound === "object" && bound && !isLoopback(bound.address) ? bound.address : "";
  const facts: StartupFacts = {
    version: VERSION,
    url: `${gateway.url}/v1`,
    docs: `${gateway.url}/docs`,
    listening: `${config.server.host}:${new URL(gateway.url).port}`,
    config: path ?? "built-in defaults (no runestone.yaml; see runestone.example.yaml)",
    providers: providerFacts(runtime),
    state_backend: runtime.state.kind,
    ...(config.redis_url ? { redis_url: config.redis_url, redis_reachable: gateway.stateReady } : {}),
    overflow_queue:
      runtime.queue.kind === "memory"
        ? "in memory (queued jobs are lost on restart; set REDIS_URL for bee-queue)"
        : "bee-queue on Redis",
    routing_policy: config.routing.policy,
    auth: describeAuth({
      open: runtime.snapshot().tenants.open,
      openToEveryone: config.auth.open,
      ...(listeningBeyondLoopback ? { listeningBeyondLoopback } : {}),
      tenants: Object.keys(config.tenants).length,
    }),
  };
  // One banner for the whole cluster: the first worker's.
  if (cluster.worker === undefined || cluster.worker.id === 1) process.stdout.write(startupBanner(facts));
  if (config.redis_url && !gateway.stateReady)
    process.stderr.write(unreachableRedisWarning(config.redis_url, STATE_BACKEND_WAIT_MS));
  const { redis_url: _redisUrl, ...logged } = facts;
  logger.info(
    {
      ...logged,
      providers: logged.providers.length > 0 ? logged.providers : "none (set OPENAI_API_KEY or ANTHROPIC_API_KEY)",
    },
    `Runestone ${VERSION} listening on ${gateway.url}`,
  );
  if (runtime.snapshot().tenants.open && listeningBeyondLoopback && !config.auth.open)
    logger.warn(
      { listening: listeningBeyondLoopback },
      "no API keys configured and listening beyond loopback: open mode refuses every request",
    );
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down");
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

/** The configured providers, where each points, and what its host listed at start-up. */
function providerFacts(runtime: Runtime): ProviderFact[] {
  const { providers } = runtime.snapshot().table;
  return providers
    .allSettings()
    .filter((s) => providers.isConfigured(s.name))
    .map((s) => {
      if (!s.discoverModels) return { name: s.name, base_url: s.endpoint };
      const status = runtime.discovery.status(s.name, s.endpoint);
      const models =
        status.failure !== undefined
          ? { failure: status.failure }
          : status.models !== undefined
            ? { listed: status.models }
            : undefined;
      return { name: s.name, base_url: s.endpoint, ...(models ? { models } : {}) };
    });
}

await main();
