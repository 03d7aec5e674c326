import type { UpstreamModel } from "./upstream-model.js";

/** A provider whose catalog is read from its host. */
export interface ModelSource {
  provider: string;
  /** The base URL the list comes from: a list read from another one does not describe this host. */
  endpoint: string;
  /** Rejects once `signal` aborts (the discovery's timeout), headers or body still to come. */
  list(options: { signal: AbortSignal; timeoutMs: number }): Promise<UpstreamModel[]>;
}

export interface DiscoverySettings {
  refreshMs: number;
  timeoutMs: number;
}

export interface DiscoveryEvents {
  /** A host's list could not be read (once, until it can again); `kept` models of the last list stay. */
  onFailure(source: ModelSource, reason: string, kept: number): void;
  /** A host that failed answered again. */
  onRecovery(source: ModelSource, models: number): void;
}

/** What the banner and the log say about one host's list. */
export interface DiscoveryStatus {
  /** Models of the last list read; undefined when none was ever read. */
  models: number | undefined;
  /** Why the last attempt failed, when it did. */
  failure?: string;
}

export interface ModelDiscoveryOptions {
  /** The providers to read, from the configuration in force. */
  sources(): readonly ModelSource[];
  settings(): DiscoverySettings;
  events: DiscoveryEvents;
  /** Turns a failure into one line without library internals. */
  describeFailure(err: unknown): string;
}

/**
 * The models OpenAI-compatible hosts serve, read from their own GET /v1/models: at start-up, every `refreshMs`
 * and on each config reload. A host that cannot be reached keeps its last known list.
 */
export class ModelDiscovery {
  private readonly lists = new Map<string, readonly UpstreamModel[]>();
  private readonly failures = new Map<string, string>();
  private changes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ModelDiscoveryOptions) {}

  /** Grows whenever a list changes, so that what is built from the lists can be kept until then. */
  get revision(): number {
    return this.changes;
  }

  /** The last list read from this provider at this base URL. */
  models(provider: string, endpoint: string): readonly UpstreamModel[] | undefined {
    return this.lists.get(keyOf(provider, endpoint));
  }

  status(provider: string, endpoint: string): DiscoveryStatus {
    const key = keyOf(provider, endpoint);
    const failure = this.failures.get(key);
    return { models: this.lists.get(key)?.length, ...(failure !== undefined ? { failure } : {}) };
  }

  /** Reads every source once; never rejects. */
  async refresh(): Promise<void> {
    const sources = this.options.sources();
    const current = new Set(sources.map((s) => keyOf(s.provider, s.endpoint)));
    for (const key of this.lists.keys()) if (!current.has(key)) this.forget(key);
    const { timeoutMs } = this.options.settings();
    await Promise.all(sources.map((source) => this.read(source, timeoutMs)));
  }

  /** Refreshes now and then every `refreshMs` (read anew each time) until stop(). */
  start(): Promise<void> {
    const next = (): void => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.refresh().finally(next), this.options.settings().refreshMs);
      this.timer.unref();
    };
    return this.refresh().finally(next);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async read(source: ModelSource, timeoutMs: number): Promise<void> {
    const key = keyOf(source.provider, source.endpoint);
    try {
      const models = await source.list({ signal: AbortSignal.timeout(timeoutMs), timeoutMs });
      if (!sameModels(this.lists.get(key), models)) this.changes++;
      this.lists.set(key, models);
      if (this.failures.delete(key)) this.options.events.onRecovery(source, models.length);
    } catch (err) {
      const reason = this.options.describeFailure(err);
      if (!this.failures.has(key)) this.options.events.onFailure(source, reason, this.lists.get(key)?.length ?? 0);
      this.failures.set(key, reason);
    }
  }

  private forget(key: string): void {
    this.lists.delete(key);
    this.failures.delete(key);
    this.changes++;
  }
}

function keyOf(provider: string, endpoint: string): string {
  return `${provider} ${endpoint}`;
}

function sameModels(before: readonly UpstreamModel[] | undefined, after: readonly UpstreamModel[]): boolean {
  return (
    before !== undefined &&
    before.length === after.length &&
    before.every((model, i) => JSON.stringify(model) === JSON.stringify(after[i]))
  );
}
