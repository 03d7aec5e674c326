import { z } from "zod";

const providerName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, "must be lowercase letters, digits, '_' or '-', starting with a letter");

/** A model name: printable ASCII, as the model that served a request is named in a response header. */
const modelName = z.string().regex(/^[\x20-\x7E]{1,256}$/, "must be 1 to 256 printable ASCII characters");

export const providerSchema = z
  .object({
    kind: z
      .enum(["openai", "anthropic"])
      .optional()
      .describe(
        "Wire protocol; defaults to the provider's name for `openai` and `anthropic`, " +
          "else `openai` (any OpenAI-compatible host)",
      ),
    api_key: z
      .string()
      .min(1)
      .optional()
      .describe("API key; env OPENAI_API_KEY / ANTHROPIC_API_KEY for the built-in providers"),
    base_url: z
      .url()
      .optional()
      .describe("Base URL; env OPENAI_BASE_URL / ANTHROPIC_BASE_URL for the built-in providers"),
    timeout_ms: z
      .number()
      .int()
      .positive()
      .default(600_000)
      .describe("Total time one upstream attempt may take, a whole stream included"),
    first_token_timeout_ms: z
      .number()
      .int()
      .positive()
      .default(60_000)
      .describe(
        "Time to the answer's first byte (the whole answer when not streaming); past it the attempt fails over",
      ),
    connect_timeout_ms: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe("Time to open a connection to the provider"),
    default_max_tokens: z
      .number()
      .int()
      .positive()
      .default(4096)
      .describe("max_tokens sent to Anthropic when the client gives none"),
    discover_models: z
      .boolean()
      .optional()
      .describe(
        "OpenAI-compatible providers: list the models the host serves (its GET /v1/models) in the catalog; " +
          "on by default for a host other than https://api.openai.com/v1. `false` on the `openai` provider " +
          "(a proxy to OpenAI itself, say) shows the built-in OpenAI catalog instead",
      ),
  })
  .strict();

const modelSchema = z
  .object({
    id: modelName.describe("The model name clients send; an entry with a built-in model's id replaces it"),
    provider: providerName.describe("The provider that serves it (a key of `providers`, or openai/anthropic)"),
    owned_by: z.string().optional().describe("`owned_by` in /v1/models; the provider's name when absent"),
    model_family: z
      .enum(["general", "coding", "reasoning", "vision"])
      .default("general")
      .describe("Family the cost policy chooses within"),
    capabilities: z
      .array(z.enum(["chat", "streaming", "function_calling", "vision", "code_generation", "embeddings"]))
      .default(["chat", "streaming"])
      .describe(
        "What it can do (`chat` or `embeddings` says which requests it serves); " +
          "the cost policy keeps only models with every requested capability",
      ),
    context_window: z.number().int().positive().default(8192).describe("Context window in tokens"),
    max_tokens: z
      .number()
      .int()
      .nonnegative()
      .default(4096)
      .describe("The most output tokens one answer may have (0 for an embedding model)"),
    input_cost_per_million: z.number().nonnegative().default(0).describe("USD per million input tokens"),
    output_cost_per_million: z.number().nonnegative().default(0).describe("USD per million output tokens"),
    created: z.number().int().nonnegative().default(0).describe("Unix time shown as `created` in /v1/models"),
  })
  .strict();

/** What a size limit may look like: bytes, or a number with kb/mb. */
const byteSize = z.union([
  z.number().int().positive(),
  z.string().regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)$/i, "must be a size such as 20mb"),
]);

/** What a request over its tenant's limit gets; see tenant_defaults.overflow. */
export const OVERFLOW_MODES = ["wait", "queue", "reject"] as const;

const keyHash = z
  .string()
  .regex(/^(sha256:)?[0-9a-f]{64}$/, "must be the SHA-256 hex digest of the key (npm run hash-key -- <key> prints it)")
  .transform((hash) => hash.replace(/^sha256:/, ""));

const tenantLimits = {
  max_concurrency: z.number().int().positive().optional().describe("Requests in flight at once, streams included"),
  requests_per_minute: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Requests started per minute; unlimited when absent"),
  tokens_per_minute: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Estimated prompt + max tokens reserved at admission, reconciled with real usage"),
  overflow: z
    .enum(OVERFLOW_MODES)
    .optional()
    .describe("Over the limit: wait for a slot on the connection, queue (202 + job) or reject (429)"),
  max_wait_ms: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Overflow wait: how long a request waits for a slot before its 429"),
  max_queue_depth: z.number().int().positive().optional().describe("Queued jobs per tenant; beyond it, 429"),
  monthly_budget_usd: z
    .number()
    .positive()
    .optional()
    .describe("Past it (at catalog prices, this calendar month, UTC), requests get 429 budget_exceeded"),
};

const tenantSchema = z
  .object({
    api_keys: z.array(keyHash).default([]).describe("SHA-256 hex digests of the tenant's API keys"),
    admin_api_keys: z
      .array(keyHash)
      .default([])
      .describe("Keys of this tenant that may also act for other tenants (body tenant_id)"),
    ...tenantLimits,
    webhook_secret: z
      .string()
      .min(1)
      .optional()
      .describe("Standard Webhooks secret (whsec_...) signing this tenant's job webhooks"),
    webhook_url: z.url().optional().describe("Default callback URL for finished jobs"),
    allowed_models: z
      .array(z.string().min(1))
      .optional()
      .describe("Models (provider/model or id; * wildcards) the tenant may use; all when absent"),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        port: z.number().int().min(0).max(65535).default(4001).describe("TCP port; env PORT"),
        host: z
          .string()
          .default("127.0.0.1")
          .describe(
            "Interface to listen on; env HOST. 0.0.0.0 (every interface) for containers and remote clients, " +
              "which then need API keys (or auth.open)",
          ),
        body_limit: byteSize
          .default("20mb")
          .describe(
            "Largest accepted JSON body (base64 images make chat bodies large); an operation's " +
              "x-runestone-body-limit in the spec lowers it for that operation",
          ),
        unauthenticated_body_budget: byteSize
          .default("64mb")
          .describe(
            "Bytes of request bodies read at once for requests no API key vouches for (open mode), a body " +
              "without Content-Length (or compressed) counting as its operation's whole limit; " +
              "past it, 503 server_busy",
          ),
      })
      .strict()
      .prefault({}),
    default_provider: providerName
      .default("openai")
      .describe("Provider for models that are not in the catalog (local model names)"),
    providers: z
      .record(providerName, providerSchema)
      .default({})
      .describe(
        "Upstreams by name: `openai`, `anthropic`, or any name for an OpenAI-compatible host (give it a `base_url`)",
      ),
    models: z.array(modelSchema).default([]).describe("Catalog entries to add, or to override by id"),
    // refresh_ms 60 s: a model pulled into a local host shows within a minute, for one small GET per minute.
    model_discovery: z
      .object({
        refresh_ms: z
          .number()
          .int()
          .min(1000)
          .default(60_000)
          .describe("How often the models of discovering providers are read again (also on every config reload)"),
        timeout_ms: z
          .number()
          .int()
          .positive()
          .default(5_000)
          .describe("How long one GET /v1/models may take; past it the last known list stays"),
      })
      .strict()
      .prefault({}),
    aliases: z
      .record(modelName, modelName)
      .default({})
      .describe("Model names clients may use, mapped to `provider/model` or a catalog id"),
    fallbacks: z
      .record(modelName, z.array(modelName))
      .default({})
      .describe("Per model (or alias): the ordered models to try when it fails, on any provider"),
    routing: z
      .object({
        policy: z
          .enum(["default", "cost"])
          .default("default")
          .describe(
            "`default`: the requested model, then its fallbacks; `cost`: the cheapest model that qualifies. " +
              "env RUNESTONE_ROUTER_POLICY",
          ),
        default_model_family: z
          .enum(["general", "coding", "reasoning", "vision"])
          .default("general")
          .describe("Family the cost policy picks from when the request names none"),
        // Why these numbers:
        // - max_attempts 2 per candidate: one retry absorbs a blip (connection reset, a lone 502). A second failure
        //   in a row is more likely an incident, where the next candidate has better odds than a third try. And the
        //   client SDKs in front of us retry too (openai and @anthropic-ai/sdk: 2 retries by default), so every
        //   retry here is multiplied by theirs against a struggling upstream.
        // - base_delay_ms 500, max_delay_ms 8000: the official SDKs' own backoff bounds. Full jitter keeps replicas
        //   and clients from retrying in lockstep. A retry-after above 8 s means "go elsewhere": another candidate
        //   answers sooner, and without one the client gets the error with its retry-after at once.
        // - budget_ms 30 s: past that a person waiting on a chat answer would rather see the error; an attempt
        //   already running is not cut short (long generations take minutes), but none starts after it.
        retry: z
          .object({
            max_attempts: z
              .number()
              .int()
              .min(1)
              .max(10)
              .default(2)
              .describe("Attempts per candidate, the first included"),
            base_delay_ms: z
              .number()
              .int()
              .min(0)
              .default(500)
              .describe("Backoff before the first retry (full jitter, doubling)"),
            max_delay_ms: z
              .number()
              .int()
              .min(0)
              .default(8_000)
              .describe("Longest backoff; a longer upstream retry-after means fail over"),
            budget_ms: z
              .number()
              .int()
              .positive()
              .default(30_000)
              .describe("No new attempt starts once a request is this old"),
          })
          .strict()
          .prefault({}),
        // Why these numbers:
        // - consecutive_failures 5: the retry policy already absorbs a blip or two; five failures with no success in
        //   between is an outage, and at low traffic (below minimum_requests) it is the only rule that can trip.
        // - failure_ratio 0.5, minimum_requests 10, window_ms 30 s: in a brownout successes interleave and keep the
        //   consecutive count low; when half the calls fail clients are better served by another candidate. Ten
        //   requests keeps "1 of 2 failed" from opening it; 30 s is long enough to gather them at modest traffic
        //   and short enough to describe the provider now, not an incident that is over.
        // - cooldown_ms 15 s: provider incidents (overload, rate-limit storms) last seconds to minutes; probing
        //   every 15 s costs a handful of requests per minute per key and notices recovery quickly.
        // - half_open_probes 1: a probe is a real user request that may fail, so risk one at a time.
        // - half_open_successes 2: one success in a 50 % brownout is a coin toss; two in a row is evidence.
        breaker: z
          .object({
            consecutive_failures: z
              .number()
              .int()
              .positive()
              .default(5)
              .describe("Failures in a row that open a breaker"),
            failure_ratio: z
              .number()
              .gt(0)
              .max(1)
              .default(0.5)
              .describe("Failure ratio over `window_ms` that opens a breaker (once `minimum_requests` were made)"),
            minimum_requests: z
              .number()
              .int()
              .positive()
              .default(10)
              .describe("Requests in the window before `failure_ratio` counts"),
            window_ms: z.number().int().positive().default(30_000).describe("The rolling window of `failure_ratio`"),
            cooldown_ms: z
              .number()
              .int()
              .positive()
              .default(15_000)
              .describe("How long an open breaker refuses before letting probes through (half-open)"),
            half_open_probes: z
              .number()
              .int()
              .positive()
              .default(1)
              .describe("Requests let through at once while half-open"),
            half_open_successes: z
              .number()
              .int()
              .positive()
              .default(2)
              .describe("Successes in a row that close a half-open breaker"),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    redis_url: z
      .string()
      .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
      .optional()
      .describe("Shared state backend; env REDIS_URL. Without it state is in memory"),
    tenant_defaults: z
      .object({
        max_concurrency: z
          .number()
          .int()
          .positive()
          .default(10)
          .describe("Requests in flight at once, streams included"),
        requests_per_minute: z
          .number()
          .int()
          .positive()
          .optional()
          .describe("Requests started per minute; unlimited when absent"),
        tokens_per_minute: z
          .number()
          .int()
          .positive()
          .optional()
          .describe("Tokens per minute (estimated at admission, reconciled with real usage); unlimited when absent"),
        // wait: a client that did not ask for async (the OpenAI SDK) can only read the answer it asked for, or a
        // 429 it retries by itself; a 202 would reach it as an empty answer.
        overflow: z
          .enum(OVERFLOW_MODES)
          .default("wait")
          .describe(
            "Over the limit: wait (on the connection, FIFO, up to max_wait_ms; then 429), queue (202 + job) or " +
              "reject (429). A client's Prefer: respond-async, callback_url or x-runestone-overflow overrides it",
          ),
        // 30 s: well inside the SDKs' 10-minute timeout and common 60 s proxy idle timeouts; past it the SDK's own
        // retries (honouring Retry-After) take over.
        max_wait_ms: z
          .number()
          .int()
          .positive()
          .default(30_000)
          .describe("Overflow wait: how long a request waits on its connection for a slot before its 429"),
        max_queue_depth: z
          .number()
          .int()
          .positive()
          .default(100)
          .describe("Queued jobs per tenant; beyond it, 429 queue_full"),
        monthly_budget_usd: z
          .number()
          .positive()
          .optional()
          .describe("Spending limit per calendar month (UTC) at catalog prices; none when absent"),
      })
      .strict()
      .prefault({})
      .describe("Limits of tenants that do not set their own (and of tenant 'default' in open mode)"),
    tenants: z
      .record(z.string().regex(/^[\w.-]{1,128}$/, "must be letters, digits, '_', '.' or '-'"), tenantSchema)
      .default({})
      .describe(
        "Tenants by id, each with its API keys and limits. With no key in any of them the gateway runs in " +
          "open mode (see auth.open), where a body's tenant_id may name only these tenants or 'default'",
      ),
    auth: z
      .object({
        open: z
          .boolean()
          .default(false)
          .describe(
            "With no API keys configured: serve every client without a key, even behind a proxy or on a " +
              "non-loopback interface. Off: only loopback clients, on a loopback-bound gateway, without proxy headers",
          ),
      })
      .strict()
      .prefault({}),
    // max_attempts 3: a queued job has no caller waiting on the line, so it can afford more tries (and a longer
    // backoff, see QUEUE_PACING) than a live request. stall_interval_ms 5 s is bee-queue's default: a dead
    // worker's job restarts 5–10 s later.
    queue: z
      .object({
        job_timeout_ms: z.number().int().positive().default(120_000).describe("One run of a queued job"),
        max_attempts: z.number().int().positive().default(3).describe("Runs of a job whose provider failed retryably"),
        result_ttl_ms: z.number().int().positive().default(86_400_000).describe("How long finished jobs are kept"),
        max_wait_ms: z.number().int().positive().default(900_000).describe("A job queued longer than this expires"),
        stall_interval_ms: z
          .number()
          .int()
          .positive()
          .default(5_000)
          .describe("Redis: a running job whose worker died is picked up again after one to two of these"),
      })
      .strict()
      .prefault({}),
    // max_attempts 5 at base_delay_ms 500: attempts 0.5, 1, 2, 4 s apart (each between half and all of that,
    // jittered), about 7.5 s of retries: enough to ride out a receiver's restart without holding a delivery for
    // minutes.
    webhooks: z
      .object({
        allow_loopback: z.boolean().default(false).describe("Allow callback URLs on 127.0.0.0/8 and ::1"),
        allow_private_networks: z
          .boolean()
          .default(false)
          .describe("Allow callback URLs on private networks (10/8, 172.16/12, 192.168/16, fc00::/7, ...)"),
        allow_link_local: z
          .boolean()
          .default(false)
          .describe("Allow callback URLs on 169.254/16 and fe80::/10 (where cloud metadata services live)"),
        max_attempts: z.number().int().positive().default(5).describe("Deliveries of one webhook before giving up"),
        base_delay_ms: z
          .number()
          .int()
          .positive()
          .default(500)
          .describe("Backoff before the first redelivery (exponential after it)"),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        lease_ttl_ms: z
          .number()
          .int()
          .min(1000)
          .default(30_000)
          .describe("Redis: the slots of a replica that died come back after this; live requests renew their lease"),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        token: z.string().min(16).optional().describe("Bearer token that lets clients read /metrics"),
        loopback_without_token: z
          .boolean()
          .default(false)
          .describe(
            "Whether loopback clients (a local Prometheus or sidecar) may read /metrics without the token " +
              "(never when the request carries proxy headers)",
          ),
      })
      .strict()
      .prefault({}),
    redis_key_prefix: z
      .string()
      .min(1)
      .default("runestone:")
      .describe("Prefix of every Redis key, so deployments can share a Redis"),
    log_level: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info")
      .describe("Log level (pino); JSON lines on stdout"),
  })
  .strict()
  .superRefine((config, context) => {
    const keyed = Object.values(config.tenants).some((t) => t.api_keys.length + t.admin_api_keys.length > 0);
    if (config.auth.open && keyed)
      context.addIssue({
        code: "custom",
        path: ["auth", "open"],
        message: "open mode serves clients without keys, so it cannot be combined with tenants' api_keys",
      });
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type TenantConfig = z.output<typeof tenantSchema>;
