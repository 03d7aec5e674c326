import { ConfigError, loadConfig } from "./config/load-config.js";
import { VERSION } from "./runtime.js";
import { startGateway } from "./server.js";
import { createLogger } from "./telemetry/logger.js";

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { config, path } = loaded;
  const logger = createLogger(config.log_level);
  const gateway = await startGateway(config, { logger, configPath: path });
  const providers = gateway.runtime.table().providers.configuredNames();
  logger.info(
    {
      version: VERSION,
      url: `${gateway.url}/v1`,
      config: path ?? "embedded defaults",
      providers: providers.length > 0 ? providers : "none (set OPENAI_API_KEY or ANTHROPIC_API_KEY)",
      state_backend: gateway.runtime.state.kind,
      overflow_queue: gateway.runtime.queue.kind === "memory" ? "in memory (queued jobs are lost on restart; set REDIS_URL for bee-queue)" : "bee-queue on Redis",
      routing_policy: config.routing.policy,
      auth: gateway.runtime.tenants().open
        ? "open: no API keys configured, loopback clients only (tenant 'default')"
        : `API keys: ${Object.keys(config.tenants).length} tenant(s)`,
    },
    `Runestone ${VERSION} listening on ${gateway.url}`,
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

await main();
