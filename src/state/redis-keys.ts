/**
 * Every Redis key the gateway uses, under the configured `redis_key_prefix` (e.g. "runestone:"), one group per
 * store. Tenant names are URI-encoded wherever they enter a key, so that a name's own ':' or braces can neither
 * run into another key nor move a hash tag.
 *
 * `{…}` is a Redis Cluster hash tag: only the part inside it picks the slot, so keys that one script touches
 * together are tagged alike. The queue's keys are not tagged: its scripts touch a job record (found by id alone)
 * together with its tenant's index, and bee-queue's client has no Cluster support anyway.
 */
export interface RedisKeys {
  readonly limits: LimiterKeys;
  readonly breakers: BreakerKeys;
  readonly queue: QueueKeys;
  readonly usage: UsageKeys;
}

/** A tenant's limiter state; one slot per tenant. */
export interface TenantLimitKeys {
  /** Sorted set: lease id → expiry (ms, Redis clock). */
  leases: string;
  /** GCRA theoretical arrival time of the request budget. */
  requests: string;
  /** GCRA theoretical arrival time of the token budget. */
  tokens: string;
}

export interface LimiterKeys {
  tenant(tenant: string): TenantLimitKeys;
}

/** Every breaker in one slot: a script updates a breaker's hash and the shared index together. */
export interface BreakerKeys {
  /** Sorted set: breaker key → time of its last write. */
  readonly index: string;
  /** Hash: the state of one breaker ("openai", "openai:gpt-4o"). */
  state(breakerKey: string): string;
  /** String: when the breaker's backoff ends (ms); expires then. */
  backoff(breakerKey: string): string;
}

export interface QueueKeys {
  /** Hash: one job record. */
  job(id: string): string;
  /** Sorted set: the tenant's queued job ids by deadline. */
  queued(tenant: string): string;
  /** Set: the tenants that ever queued a job. */
  readonly tenants: string;
  /** String: the tenant's mean service time (ms). */
  serviceTime(tenant: string): string;
  /** bee-queue's own keys are `${bee.prefix}:${bee.queue(tenant)}:<name>`; bee-queue builds most of them itself. */
  readonly bee: {
    readonly prefix: string;
    queue(tenant: string): string;
    key(tenant: string, name: string): string;
  };
}

export interface UsageKeys {
  /** Hash: a tenant's counters of one UTC day (YYYY-MM-DD). */
  day(tenant: string, day: string): string;
  /** String: a tenant's cost in one calendar month (YYYY-MM). */
  month(tenant: string, month: string): string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    limits: limiterKeys(`${prefix}limits`),
    breakers: breakerKeys(`${prefix}{breakers}`),
    queue: queueKeys(`${prefix}overflow`),
    usage: usageKeys(`${prefix}usage`),
  };
}

function tenantPart(tenant: string): string {
  return encodeURIComponent(tenant);
}

function limiterKeys(base: string): LimiterKeys {
  return {
    tenant(tenant) {
      const keys = `${base}:{${tenantPart(tenant)}}`;
      return { leases: `${keys}:leases`, requests: `${keys}:rpm`, tokens: `${keys}:tpm` };
    },
  };
}

function breakerKeys(base: string): BreakerKeys {
  // Breaker keys follow the tag, so their characters cannot move it.
  return {
    index: `${base}:index`,
    state: (breakerKey) => `${base}:state:${breakerKey}`,
    backoff: (breakerKey) => `${base}:backoff:${breakerKey}`,
  };
}

function queueKeys(base: string): QueueKeys {
  const beePrefix = `${base}:bq`;
  return {
    job: (id) => `${base}:job:${id}`,
    queued: (tenant) => `${base}:queued:${tenantPart(tenant)}`,
    tenants: `${base}:tenants`,
    serviceTime: (tenant) => `${base}:service-ms:${tenantPart(tenant)}`,
    bee: {
      prefix: beePrefix,
      queue: tenantPart,
      key: (tenant, name) => `${beePrefix}:${tenantPart(tenant)}:${name}`,
    },
  };
}

function usageKeys(base: string): UsageKeys {
  return {
    day: (tenant, day) => `${base}:${tenantPart(tenant)}:${day}`,
    month: (tenant, month) => `${base}:${tenantPart(tenant)}:month:${month}`,
  };
}
