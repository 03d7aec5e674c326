import { parseArgs } from "node:util";

/** `npm start -- [options]`: what the command line may say, over the environment and the config file. */
export const USAGE = `Usage: npm start -- [options]

Options:
  -c, --config <path>  the config file (default: RUNESTONE_CONFIG, else ./runestone.yaml when present)
  -p, --port <n>       the TCP port (default: PORT, else server.port, else 4001; 0 picks a free one)
  -h, --help           print this help
  -v, --version        print the version

Environment variables (OPENAI_API_KEY, ANTHROPIC_API_KEY, REDIS_URL, ...) are described in the README.
`;

export type CliCommand =
  | { kind: "start"; config?: string; port?: number }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "error"; message: string };

const CLI_ARGS = {
  strict: true,
  allowPositionals: false,
  options: {
    config: { type: "string", short: "c" },
    port: { type: "string", short: "p" },
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "v" },
  },
} as const;

export function parseCli(argv: string[]): CliCommand {
  let parsed: ReturnType<typeof parseArgs<typeof CLI_ARGS>>["values"];
  try {
    parsed = parseArgs({ ...CLI_ARGS, args: argv }).values;
  } catch (err) {
    return { kind: "error", message: err instanceof Error ? err.message : String(err) };
  }
  if (parsed.help) return { kind: "help" };
  if (parsed.version) return { kind: "version" };
  let port: number | undefined;
  if (parsed.port !== undefined) {
    if (!/^\d+$/.test(parsed.port) || Number(parsed.port) > 65535)
      return { kind: "error", message: `--port must be a number from 0 to 65535, not '${parsed.port}'` };
    port = Number(parsed.port);
  }
  if (parsed.config === "") return { kind: "error", message: "--config needs a path" };
  return {
    kind: "start",
    ...(parsed.config !== undefined ? { config: parsed.config } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}

/** What start-up reports: the banner shows it to people, the start-up log line to machines. */
export interface StartupFacts {
  version: string;
  /** The OpenAI-compatible base URL, e.g. http://127.0.0.1:4001/v1 */
  url: string;
  docs: string;
  listening: string;
  config: string;
  providers: ProviderFact[];
  state_backend: "memory" | "redis";
  redis_url?: string;
  /** Whether the configured Redis answered at start-up. */
  redis_reachable?: boolean;
  overflow_queue: string;
  routing_policy: string;
  auth: string;
}

/** A configured provider: where its requests go, and where its model list comes from. */
export interface ProviderFact {
  name: string;
  base_url: string;
  /** For a provider whose models are read from its host: how many it listed, or why it did not. */
  models?: { listed: number } | { failure: string };
}

/** What start-up knows about authentication, for the banner's Auth line. */
export interface AuthFacts {
  /** No API key configured: open mode. */
  open: boolean;
  /** auth.open */
  openToEveryone: boolean;
  /** The address the gateway listens on, when beyond loopback (0.0.0.0, ::, a LAN address). */
  listeningBeyondLoopback?: string;
  tenants: number;
}

/** The banner's Auth line: whom the gateway serves without a key, in plain words. */
export function describeAuth(facts: AuthFacts): string {
  if (!facts.open) return `API keys: ${facts.tenants} tenant(s)`;
  if (facts.openToEveryone)
    return "open to everyone: no API keys, and auth.open: true serves any client (tenant 'default')";
  if (facts.listeningBeyondLoopback)
    return `no API keys, listening on ${facts.listeningBeyondLoopback}: every request refused (see README, Open mode)`;
  return "open: no API keys; clients on this machine need none (tenant 'default'), proxied requests are refused";
}

/** redis://user:secret@host → redis://user:***@host */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, "$1***@");
}

/** The start-up banner: one screen, for the person who ran `npm start`. */
export function startupBanner(facts: StartupFacts): string {
  const rows: [string, string][] = [
    ["API", `${facts.url}   (the OpenAI SDK's baseURL)`],
    ["Docs", `${facts.docs}   (spec: ${facts.docs.replace(/\/docs$/, "/openapi.yaml")})`],
    ["Listening on", facts.listening],
    ["Config", facts.config],
    ...providerRows(facts.providers),
    ["State backend", describeStateBackend(facts)],
    ["Overflow queue", facts.overflow_queue],
    ["Routing policy", facts.routing_policy],
    ["Auth", facts.auth],
  ];
  const title = `Runestone ${facts.version}, the LLM API gateway`;
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    "",
    `  ${title}`,
    `  ${"─".repeat(title.length)}`,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    "",
    "",
  ].join("\n");
}

function providerRows(providers: readonly ProviderFact[]): [string, string][] {
  if (providers.length === 0)
    return [["Providers", "none: set OPENAI_API_KEY or ANTHROPIC_API_KEY (health, models and docs work meanwhile)"]];
  const width = Math.max(...providers.map((p) => p.name.length));
  return providers.map((p, i) => [i === 0 ? "Providers" : "", `${p.name.padEnd(width)}  ${describeProvider(p)}`]);
}

function describeProvider({ base_url, models }: ProviderFact): string {
  if (models === undefined) return base_url;
  if ("listed" in models) return `${base_url}  (${models.listed} models from its GET /v1/models)`;
  return `${base_url}  (GET /v1/models failed: ${models.failure})`;
}

function describeStateBackend(facts: StartupFacts): string {
  if (facts.state_backend === "memory")
    return "memory (this process only; set REDIS_URL to share state between replicas)";
  const redis = `Redis ${redactUrl(facts.redis_url ?? "")}`;
  return facts.redis_reachable === false
    ? `${redis} NOT REACHABLE: requests get 503 until it answers (see /health)`
    : `${redis} (limits, breakers and jobs shared by every replica)`;
}

/** The warning on stderr when the configured Redis did not answer at start-up, naming where it was looked for. */
export function unreachableRedisWarning(redisUrl: string, waitedMs: number): string {
  return (
    `WARNING: Redis at ${redactUrl(redisUrl)} did not answer within ${waitedMs} ms. Runestone started anyway, ` +
    "but every request that needs Redis (chat, messages, embeddings, jobs) gets 503 state_backend_unavailable " +
    "until it answers; /health shows its state. Start Redis there, or fix REDIS_URL / redis_url.\n"
  );
}

/**
 * One line for the person who ran `npm start` when the port cannot be opened (in use, privileged, an address this
 * machine does not have); undefined for any other failure.
 */
export function listenFailure(err: unknown, host: string, port: number): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  const choose = "choose another with --port <n> or PORT (0 picks a free one)";
  switch (code) {
    case "EADDRINUSE":
      return `Port ${port} on ${host} is already in use (another Runestone, or another program): ${choose}.`;
    case "EACCES":
      return `Port ${port} on ${host} needs privileges this process does not have: ${choose}.`;
    case "EADDRNOTAVAIL":
      return `This machine has no address ${host} to listen on: set server.host (0.0.0.0 for every interface).`;
    default:
      return undefined;
  }
}
