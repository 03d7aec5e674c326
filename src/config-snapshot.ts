import {
  changedRestartOnlyKeys,
  type RestartOnlyKey,
  type StartupConfig,
  startupConfig,
} from "./config/restart-only.js";
import type { Config } from "./config/schema.js";
import { type LeaseTiming, leaseTimingOf } from "./limits/lease-timing.js";
import { type QueueSettings, queueSettingsOf } from "./queue/queue-settings.js";
import { type BreakerSettings, breakerSettingsOf } from "./routing/breaker/breaker-settings.js";
import { buildRoutingTable } from "./routing/build-routing-table.js";
import { type RetrySettings, retrySettingsOf } from "./routing/retry-settings.js";
import type { RoutingTable } from "./routing/routing-table.js";
import { TenantDirectory } from "./tenants/tenant-directory.js";
import { type WebhookSettings, webhookSettingsOf } from "./webhooks/webhook-settings.js";

/**
 * One valid configuration and everything derived from it. Immutable: a reload builds a new one and swaps it in
 * whole, so what one request or job reads from a snapshot is one consistent version.
 */
export interface Snapshot {
  /** The validated config (deeply frozen). */
  readonly config: Config;
  /** Catalog, providers, aliases, fallbacks, policy. */
  readonly table: RoutingTable;
  readonly tenants: TenantDirectory;
  readonly retry: RetrySettings;
  readonly breaker: BreakerSettings;
  readonly queue: QueueSettings;
  /** Of new leases. */
  readonly lease: LeaseTiming;
  /** Admission of callback URLs and delivery of webhooks alike. */
  readonly webhooks: WebhookSettings;
}

export function buildSnapshot(config: Config): Snapshot {
  const frozen = deepFreeze(structuredClone(config));
  return Object.freeze({
    config: frozen,
    table: buildRoutingTable(frozen),
    tenants: new TenantDirectory(frozen),
    retry: Object.freeze(retrySettingsOf(frozen)),
    breaker: Object.freeze(breakerSettingsOf(frozen)),
    queue: Object.freeze(queueSettingsOf(frozen)),
    lease: Object.freeze(leaseTimingOf(frozen)),
    webhooks: Object.freeze(webhookSettingsOf(frozen)),
  });
}

/**
 * The snapshot in force, and the start-up view of the config. Components get `current` (or an accessor derived
 * from it) and call it where they use a value; start-up code reads restart-only keys through `startup` only.
 */
export class LiveConfig {
  readonly startup: StartupConfig;
  private snapshot: Snapshot;
  private startingUp = false;

  constructor(config: Config) {
    this.snapshot = buildSnapshot(config);
    this.startup = startupConfig(this.snapshot.config);
  }

  /** The snapshot in force. Not during start-up: a value read then would be kept, and never follow an edit. */
  readonly current = (): Snapshot => {
    if (this.startingUp)
      throw new Error(
        "a live setting was read during start-up: read it where it is used, or make the key restart-only " +
          "(src/config/restart-only.ts) and read it through the start-up config",
      );
    return this.snapshot;
  };

  /** Runs the start-up wiring; reading the current snapshot while it runs throws. */
  startUp<T>(wire: () => T): T {
    this.startingUp = true;
    try {
      return wire();
    } finally {
      this.startingUp = false;
    }
  }

  /**
   * Swaps in the snapshot of a new valid config. Returns the one it replaced, and the restart-only keys the new
   * config changes: they keep their start-up values until the next start.
   */
  apply(config: Config): { previous: Snapshot; restartNeeded: RestartOnlyKey[] } {
    const previous = this.snapshot;
    this.snapshot = buildSnapshot(config);
    return { previous, restartNeeded: changedRestartOnlyKeys(previous.config, this.snapshot.config) };
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
