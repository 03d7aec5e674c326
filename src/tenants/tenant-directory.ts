import { createHash } from "node:crypto";
import { formatModelRef } from "../catalog/model-ref.js";
import type { Config, OVERFLOW_MODES } from "../config/schema.js";
import type { TenantLimits } from "../limits/types.js";

export const OPEN_MODE_TENANT = "default";

/** What a request over its tenant's limit gets: a wait for a slot, a job (202), or a 429. */
export type OverflowMode = (typeof OVERFLOW_MODES)[number];

export interface Tenant {
  id: string;
  limits: TenantLimits;
  overflow: OverflowMode;
  /** Overflow wait: how long a request may wait on its connection for a slot. */
  maxWaitMs: number;
  maxQueueDepth: number;
  monthlyBudgetUsd: number | undefined;
  webhookSecret: string | undefined;
  webhookUrl: string | undefined;
  /** Patterns (`provider/model` or id, `*` wildcards); undefined: every model. */
  allowedModels: RegExp[] | undefined;
}

/** Who a key belongs to. */
export interface Principal {
  tenant: string;
  /** An admin key: may name another tenant in the body's `tenant_id`. */
  mayActForOthers: boolean;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
}

/**
 * The configured tenants and their keys. Keys are kept only as SHA-256 digests and found by looking the digest
 * up, so no secret is ever compared (or stored, or logged) in the clear.
 */
export class TenantDirectory {
  private readonly byKeyHash = new Map<string, Principal>();
  private readonly tenants = new Map<string, Tenant>();
  private readonly defaults: Tenant;

  constructor(config: Config) {
    const d = config.tenant_defaults;
    const base = {
      overflow: d.overflow,
      maxWaitMs: d.max_wait_ms,
      maxQueueDepth: d.max_queue_depth,
      monthlyBudgetUsd: d.monthly_budget_usd,
      webhookSecret: undefined,
      webhookUrl: undefined,
      allowedModels: undefined,
    };
    this.defaults = {
      id: OPEN_MODE_TENANT,
      limits: {
        maxConcurrency: d.max_concurrency,
        requestsPerMinute: d.requests_per_minute,
        tokensPerMinute: d.tokens_per_minute,
      },
      ...base,
    };
    for (const [id, t] of Object.entries(config.tenants)) {
      this.tenants.set(id, {
        id,
        limits: {
          maxConcurrency: t.max_concurrency ?? d.max_concurrency,
          requestsPerMinute: t.requests_per_minute ?? d.requests_per_minute,
          tokensPerMinute: t.tokens_per_minute ?? d.tokens_per_minute,
        },
        overflow: t.overflow ?? d.overflow,
        maxWaitMs: t.max_wait_ms ?? d.max_wait_ms,
        maxQueueDepth: t.max_queue_depth ?? d.max_queue_depth,
        monthlyBudgetUsd: t.monthly_budget_usd ?? d.monthly_budget_usd,
        webhookSecret: t.webhook_secret,
        webhookUrl: t.webhook_url,
        allowedModels: t.allowed_models?.map(globToRegExp),
      });
      for (const hash of t.api_keys) this.byKeyHash.set(hash, { tenant: id, mayActForOthers: false });
      for (const hash of t.admin_api_keys) this.byKeyHash.set(hash, { tenant: id, mayActForOthers: true });
    }
  }

  /** Without any key configured the gateway runs in open mode (see middleware/auth.ts for whom it serves). */
  get open(): boolean {
    return this.byKeyHash.size === 0;
  }

  authenticate(key: string): Principal | undefined {
    return this.byKeyHash.get(hashApiKey(key));
  }

  /**
   * A configured tenant, or `default` with the default limits. Nothing else, in open mode too: a made-up id would
   * otherwise become a tenant with its own limits, queue and Redis keys.
   */
  get(id: string): Tenant | undefined {
    return this.tenants.get(id) ?? (id === OPEN_MODE_TENANT ? { ...this.defaults } : undefined);
  }

  /** A tenant of the config file (or `default`): safe to use as a metrics label. */
  isConfigured(id: string): boolean {
    return id === OPEN_MODE_TENANT || this.tenants.has(id);
  }

  ids(): string[] {
    return [...new Set([OPEN_MODE_TENANT, ...this.tenants.keys()])];
  }
}

export function allowsModel(tenant: Tenant, provider: string, model: string): boolean {
  return (
    tenant.allowedModels === undefined ||
    tenant.allowedModels.some((pattern) => pattern.test(formatModelRef(provider, model)) || pattern.test(model))
  );
}
