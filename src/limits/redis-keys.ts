export interface TenantKeys {
  /** Sorted set: lease id → expiry (ms, Redis clock). */
  leases: string;
  /** GCRA theoretical arrival time of the request budget. */
  requests: string;
  /** GCRA theoretical arrival time of the token budget. */
  tokens: string;
}

export function tenantKeys(prefix: string, tenant: string): TenantKeys {
  // {…} is a Redis Cluster hash tag: a tenant's keys share one slot, as a multi-key script requires.
  // Encoding keeps a tenant name's own braces from moving the tag.
  const base = `${prefix}:{${encodeURIComponent(tenant)}}`;
  return { leases: `${base}:leases`, requests: `${base}:rpm`, tokens: `${base}:tpm` };
}
