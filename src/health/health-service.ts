import type { components } from "../../generated/openapi.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { CircuitBreakers } from "../routing/breaker/circuit-breakers.js";
import type { OverflowQueue } from "../queue/types.js";
import { describeRedisFailure } from "../state/redis-failure.js";
import type { StateBackend } from "../state/state-backend.js";

type Schemas = components["schemas"];
export type HealthReport = Schemas["HealthReport"];
export type Readiness = Schemas["Readiness"];
type ComponentHealth = Schemas["ComponentHealth"];
type RateLimiterHealth = Schemas["RateLimiterHealth"];
type HealthStatus = Schemas["HealthStatus"];

const SEVERITY: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

export interface HealthServiceOptions {
  version: string;
  providers: () => ProviderRegistry;
  breakers: CircuitBreakers;
  state: StateBackend;
  /** Where the state backend is (a Redis URL without its password), for the messages that it is unreachable. */
  stateAddress?: string;
  queue: OverflowQueue;
  /** Requests waiting on their connection for a slot in this process, by tenant. */
  waitingRequests: () => Record<string, number>;
  startedAt: number;
}

/**
 * Health measured, not assumed. Rules: no configured provider → providers `degraded` (the gateway serves
 * health and models but no chat); a configured provider whose circuit breaker is open → providers `degraded`,
 * every configured provider open → `unhealthy`; a configured Redis that does not answer → state backend
 * `unhealthy`. The overall status is the worst component's.
 */
export class HealthService {
  constructor(private readonly options: HealthServiceOptions) {}

  async report(): Promise<HealthReport> {
    // At once: each may wait for a Redis that does not answer (up to its command timeout).
    const [state, providers, queue] = await Promise.all([
      this.stateBackend(),
      this.providersHealth(),
      this.queueHealth(),
    ]);
    const components = {
      providers,
      state_backend: state,
      rate_limiter: this.limiterHealth(state),
      overflow_queue: queue,
    };
    const worst = Object.values(components).reduce<HealthStatus>(
      (acc, c) => (SEVERITY[c.status] > SEVERITY[acc] ? c.status : acc),
      "healthy",
    );
    return {
      status: worst,
      timestamp: new Date().toISOString(),
      version: this.options.version,
      uptime: (Date.now() - this.options.startedAt) / 1000,
      components,
    };
  }

  async readiness(): Promise<Readiness> {
    const ping = await this.options.state.ping();
    return {
      ready: ping.ok,
      timestamp: new Date().toISOString(),
      checks: { config: true, state_backend: ping.ok },
      ...(ping.ok
        ? {}
        : {
            message: `state backend (${this.stateName()}) unreachable: ${ping.error ?? "no answer"}`,
          }),
    };
  }

  private async providersHealth(): Promise<ComponentHealth> {
    const all = this.options.providers().allSettings();
    const breakerStates = await this.options.breakers.states().catch(() => ({}) as Record<string, string>);
    const breakerOf = (name: string) => breakerStates[name] ?? "closed";
    const models = (name: string) =>
      Object.fromEntries(
        Object.entries(breakerStates).filter(([key, state]) => key.startsWith(`${name}:`) && state !== "closed"),
      );
    const details = Object.fromEntries(
      all.map((s) => [
        s.name,
        { kind: s.kind, configured: s.configured, breaker: breakerOf(s.name), open_model_breakers: models(s.name) },
      ]),
    );
    const configured = all.filter((s) => s.configured).map((s) => s.name);
    if (configured.length === 0) {
      return {
        status: "degraded",
        message: "no provider is configured: set OPENAI_API_KEY or ANTHROPIC_API_KEY",
        details,
      };
    }
    const open = configured.filter((name) => breakerOf(name) === "open");
    const serving = configured.filter((name) => !open.includes(name));
    if (open.length === configured.length)
      return { status: "unhealthy", message: `every provider's circuit breaker is open: ${open.join(", ")}`, details };
    if (open.length > 0)
      return {
        status: "degraded",
        message: `circuit breaker open: ${open.join(", ")}; serving with ${serving.join(", ")}`,
        details,
      };
    return { status: "healthy", message: `configured: ${configured.join(", ")}`, details };
  }

  /**
   * The limiter keeps its state in the state backend: it works when that does. Requests waiting for a slot are
   * shown, not judged: waiting is what overflow wait is for.
   */
  private limiterHealth(state: ComponentHealth): RateLimiterHealth {
    const kind = this.options.state.kind;
    const byTenant = this.options.waitingRequests();
    const waiting = Object.values(byTenant).reduce((sum, n) => sum + n, 0);
    const details = { backend: kind, waiting_requests: waiting, waiting_by_tenant: byTenant };
    if (state.status === "unhealthy")
      return { status: "unhealthy", message: "the state backend is unreachable: admissions fail", details };
    const limits = kind === "memory" ? "per-process limits (in memory)" : "limits shared by every replica (Redis)";
    return { status: "healthy", message: `${limits}; ${waiting} waiting for a slot`, details };
  }

  /** The queue's store answers, its transport's last operation did not fail, and this process runs its jobs. */
  private async queueHealth(): Promise<ComponentHealth> {
    const queue = this.options.queue;
    try {
      const stats = await queue.stats();
      const details = { backend: queue.kind, waiting: stats.waiting, running: stats.running, workers: stats.workers };
      if (stats.problem !== undefined)
        return {
          status: "unhealthy",
          message: `jobs cannot be queued: the queue's last Redis operation failed (${describeRedisFailure(
            new Error(stats.problem),
          )})`,
          details,
        };
      if (!stats.serving) return { status: "degraded", message: "this process runs no queued jobs", details };
      const durability = queue.kind === "memory" ? "in memory: queued jobs are lost on restart" : "bee-queue on Redis";
      return {
        status: "healthy",
        message: `${stats.waiting} waiting, ${stats.running} running (${durability})`,
        details,
      };
    } catch (err) {
      return {
        status: "unhealthy",
        message: `queue unreachable: ${err instanceof Error ? err.message : String(err)}`,
        details: { backend: queue.kind },
      };
    }
  }

  /** "Redis at redis://host:6379", "memory". */
  private stateName(): string {
    const { state, stateAddress } = this.options;
    return state.kind === "redis" ? `Redis at ${stateAddress ?? "its configured address"}` : state.kind;
  }

  private async stateBackend(): Promise<ComponentHealth> {
    const ping = await this.options.state.ping();
    const details = { kind: this.options.state.kind };
    if (!ping.ok)
      return {
        status: "unhealthy",
        message: `${this.stateName()} unreachable: ${ping.error ?? "no answer"}`,
        latency_ms: ping.latencyMs,
        details,
      };
    return {
      status: "healthy",
      message: this.options.state.kind === "memory" ? "in memory (single process)" : "Redis reachable",
      latency_ms: ping.latencyMs,
      details,
    };
  }
}
