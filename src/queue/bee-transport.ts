import { setTimeout as sleep } from "node:timers/promises";
import type BeeQueue from "bee-queue";
import type { Redis } from "ioredis";
import { requireLazily } from "../package/require-lazily.js";
import { REDIS_COMMAND_TIMEOUT_MS } from "../state/state-backend.js";
import type { QueueKeys } from "../state/redis-keys.js";
import { integerReply } from "../state/redis-script.js";
import { BeeScripts, isNoScript } from "./bee-scripts.js";
import type { JobHandler, JobTransport } from "./job-transport.js";
import { HAND_BACK_JOB, RECOVER_STALLED_JOBS } from "./redis-job-scripts.js";
import type { JobPayload } from "./types.js";

export interface BeeTransportOptions {
  /** bee-queue connects with its own client (node_redis v3), from this URL. */
  redisUrl: string;
  /** bee-queue's keys are keys.bee.*. */
  keys: QueueKeys;
  stallIntervalMs: number;
  /** Told only the error's message: a Redis client's error can carry the command's arguments (a job's request). */
  onError(tenant: string, message: string): void;
}

/**
 * A handler that throws is a failure of ours (Redis unreachable, …), not of the job, which the handler records
 * itself: bee-queue puts the job back at the end of the queue this many times.
 */
const INFRASTRUCTURE_RETRIES = 3;
/** On close, how long to wait for handlers still deciding whether they hand their job back. */
const DECISION_WAIT_MS = 1_000;
/** After a tenant's worker failed to start (Redis away), the wait before it is started again. */
const RESTART_DELAY_MS = 1_000;
/** A failure of the transport older than this (with no success since) no longer makes it unhealthy. */
const FAILURE_MEMORY_MS = 60_000;

interface TenantWorker {
  queue: BeeQueue<JobPayload>;
  concurrency: number;
  handle: JobHandler;
  /** Handlers running now. */
  running: number;
  stallCheck: NodeJS.Timeout | undefined;
  stopped: boolean;
}

/**
 * One bee-queue per tenant, so one tenant's backlog never delays another's jobs. Workers run the handler with
 * the tenant's concurrency; stalled jobs (their worker sent no heartbeat for one to two stall intervals, e.g. it
 * died) go back to the head of the queue, so the job queued first still runs first.
 *
 * Connections: bee-queue only takes connection settings (it does not recognise ioredis clients), so each
 * tenant's queue opens its own: 2 per tenant served by this process (commands, and the blocking BRPOPLPUSH of
 * its worker), 1 for a tenant this process only enqueues for; release() closes them. Pub/sub events are off.
 *
 * Redis faults: node_redis reconnects by itself (every 100 ms to 1 s); an enqueue or removal waits at most the
 * Redis command timeout; bee-queue's scripts are loaded again when Redis lost them (NOSCRIPT), and a worker whose
 * start failed is started again.
 */
export class BeeTransport implements JobTransport {
  readonly kind = "redis";
  private readonly producers = new Map<string, BeeQueue<JobPayload>>();
  private readonly workers = new Map<string, TenantWorker>();
  private readonly handedBack: { tenant: string; id: string }[] = [];
  /** Handlers that have not yet decided between "done" and "handed back". */
  private readonly deciding = new Set<Promise<unknown>>();
  /** Handlers of handed-back jobs stay pending until their queue is closed: see close(). */
  private releaseHeldHandlers = () => {};
  private readonly heldHandlers = new Promise<void>((resolve) => (this.releaseHeldHandlers = resolve));
  private readonly scripts: BeeScripts;
  private lastFailure: { message: string; at: number } | undefined;
  private closing = false;

  /** `redis` runs the scripts of our own (recovery, hand-back) and loads bee-queue's. */
  constructor(
    private readonly redis: Redis,
    private readonly options: BeeTransportOptions,
  ) {
    this.scripts = new BeeScripts(redis);
  }

  async push(id: string, payload: JobPayload): Promise<void> {
    await this.call(payload.tenant, () =>
      this.producerOf(payload.tenant).createJob(payload).setId(id).retries(INFRASTRUCTURE_RETRIES).save(),
    );
  }

  async remove(id: string, tenant: string): Promise<void> {
    await this.call(tenant, () => this.producerOf(tenant).removeJob(id));
  }

  serve(tenant: string, concurrency: number, handle: JobHandler): void {
    if (this.workers.has(tenant) || this.closing) return;
    const worker: TenantWorker = {
      queue: this.createQueue(tenant, true),
      concurrency,
      handle,
      running: 0,
      stallCheck: undefined,
      stopped: false,
    };
    this.workers.set(tenant, worker);
    this.start(tenant, worker).catch((err: unknown) => {
      this.failed(tenant, err);
      if (worker.stopped) return;
      void this.stop(tenant, worker);
      setTimeout(() => this.serve(tenant, concurrency, handle), RESTART_DELAY_MS).unref();
    });
  }

  /** Closes the tenant's queues (its connections) unless one of its jobs is being handled here; true when closed. */
  async release(tenant: string): Promise<boolean> {
    const worker = this.workers.get(tenant);
    if (worker && worker.running > 0) return false;
    if (worker) await this.stop(tenant, worker);
    const producer = this.producers.get(tenant);
    this.producers.delete(tenant);
    await producer?.close(1).catch(() => {});
    return true;
  }

  /** The last failure, unless something succeeded since or it is old. */
  problem(): string | undefined {
    if (!this.lastFailure || Date.now() - this.lastFailure.at > FAILURE_MEMORY_MS) return undefined;
    return this.lastFailure.message;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const worker of this.workers.values()) {
      worker.stopped = true;
      clearInterval(worker.stallCheck);
    }
    // bee-queue waits for the handlers still holding a job (the handed-back ones) only 1 ms, then closes.
    const queues = [...[...this.workers.values()].map((worker) => worker.queue), ...this.producers.values()];
    await Promise.all(queues.map((queue) => queue.close(1).catch(() => {})));
    // A job taken just before the queues closed may still be on its way to being handed back.
    await Promise.race([Promise.allSettled(this.deciding), sleep(DECISION_WAIT_MS, undefined, { ref: false })]);
    for (const { tenant, id } of this.handedBack) {
      const keys = ["active", "stalling", "waiting"].map((name) => this.options.keys.bee.key(tenant, name));
      await HAND_BACK_JOB.run(this.redis, keys, [id]).catch((err: unknown) => this.failed(tenant, err));
    }
    this.releaseHeldHandlers();
  }

  /**
   * Jobs left taken by a dead worker go back to the head of the queue before this worker takes any. A job is known
   * to be left behind when its worker sent no heartbeat between two stall checks, so while jobs are taken, this
   * waits for two checks of its own (one to three stall intervals; a live replica's jobs stay with it).
   */
  private async start(tenant: string, worker: TenantWorker): Promise<void> {
    await worker.queue.ready();
    await this.scripts.load();
    const active = this.options.keys.bee.key(tenant, "active");
    for (let checks = 0; checks < 2 && !worker.stopped && (await this.redis.llen(active)) > 0; ) {
      if ((await this.recoverStalled(tenant)) >= 0) checks++;
      if (checks < 2) await sleep(this.options.stallIntervalMs + 50);
    }
    if (worker.stopped) return;
    worker.queue.process(worker.concurrency, (job) => this.run(tenant, worker, job));
    // Checks now (so that bee-queue's own check, when process() starts, finds one just done), then every interval.
    const check = () => void this.recoverStalled(tenant).catch((err: unknown) => this.failed(tenant, err));
    check();
    worker.stallCheck = setInterval(check, this.options.stallIntervalMs).unref();
  }

  private async run(tenant: string, worker: TenantWorker, job: BeeQueue.Job<JobPayload>): Promise<void> {
    worker.running++;
    try {
      const decision = worker.handle(job.id, job.data);
      this.track(decision);
      if ((await decision) === "done") return;
    } finally {
      worker.running--;
    }
    this.handedBack.push({ tenant, id: job.id });
    // Settling now would have bee-queue mark the job done. Once the queue is closed, it cannot any more and
    // leaves the job to us (it reports "unable to update the status", which close() ignores).
    await this.heldHandlers;
    throw new Error(`job ${job.id} handed back at shutdown`);
  }

  /** -1 when a check (of any replica) was made less than a stall interval ago, else how many jobs went back. */
  private async recoverStalled(tenant: string): Promise<number> {
    const keys = ["stallBlock", "stalling", "waiting", "active"].map((name) => this.options.keys.bee.key(tenant, name));
    const recovered = integerReply(await RECOVER_STALLED_JOBS.run(this.redis, keys, [this.options.stallIntervalMs]));
    this.lastFailure = undefined;
    return recovered;
  }

  private async stop(tenant: string, worker: TenantWorker): Promise<void> {
    worker.stopped = true;
    clearInterval(worker.stallCheck);
    if (this.workers.get(tenant) === worker) this.workers.delete(tenant);
    await worker.queue.close(1).catch(() => {});
  }

  /** A bee-queue call a request waits on: within the command timeout; once more after loading lost scripts. */
  private async call<T>(tenant: string, operation: () => Promise<T>): Promise<T> {
    try {
      const result = await withinTimeout(operation).catch(async (err: unknown) => {
        if (!isNoScript(err)) throw err;
        await this.scripts.load();
        return withinTimeout(operation);
      });
      this.lastFailure = undefined;
      return result;
    } catch (err) {
      this.failed(tenant, err);
      throw err;
    }
  }

  private failed(tenant: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.lastFailure = { message, at: Date.now() };
    if (!this.closing) this.options.onError(tenant, message);
  }

  private track(decision: Promise<unknown>): void {
    const forget = () => void this.deciding.delete(settled);
    const settled: Promise<void> = decision.then(forget, forget);
    this.deciding.add(settled);
  }

  /** The tenant's worker queue when this process has one (saves a connection), else a producer-only queue. */
  private producerOf(tenant: string): BeeQueue<JobPayload> {
    let queue = this.workers.get(tenant)?.queue ?? this.producers.get(tenant);
    if (!queue) {
      queue = this.createQueue(tenant, false);
      this.producers.set(tenant, queue);
    }
    return queue;
  }

  private createQueue(tenant: string, isWorker: boolean): BeeQueue<JobPayload> {
    const queue = new (tenantQueueClass())(this.options.keys.bee.queue(tenant), {
      prefix: this.options.keys.bee.prefix,
      redis: {
        url: this.options.redisUrl,
        // Retry forever, soon: node_redis's default backoff grows without bound and stops after an hour.
        retry_strategy: ({ attempt }: { attempt: number }) => Math.min(attempt * 100, 1000),
      },
      isWorker,
      stallInterval: this.options.stallIntervalMs,
      getEvents: false,
      sendEvents: false,
      storeJobs: false,
      activateDelayedJobs: false,
      // The job record (our own hash) keeps the outcome; bee-queue forgets finished jobs.
      removeOnSuccess: true,
      removeOnFailure: true,
    });
    // Reported, not remembered as the transport's state: these are its connections' errors (Redis away, which the
    // store's health shows), or a worker's blocking pop that bee-queue retries by itself.
    queue.on("error", (err: Error) => {
      if (!this.closing) this.options.onError(tenant, err.message);
    });
    return queue;
  }
}

/**
 * A tenant's bee-queue, whose stall check is ours (recoverStalled): bee-queue's own would put a stalled job at the
 * tail of the queue, and the one it runs when a worker starts would leave the worker dead if it failed (it takes
 * its first job only after that check succeeds). `_doStalledJobCheck` is the method of bee-queue 2.x both go through.
 */
type TenantQueueClass = new (name: string, settings: BeeQueue.QueueSettings) => BeeQueue<JobPayload>;
let tenantQueue: TenantQueueClass | undefined;

function tenantQueueClass(): TenantQueueClass {
  if (tenantQueue === undefined) {
    // Defined on first use: bee-queue is loaded only when the gateway has a Redis.
    const Queue = requireLazily("bee-queue") as typeof BeeQueue;
    tenantQueue = class TenantQueue extends Queue<JobPayload> {
      _doStalledJobCheck(): Promise<number> {
        return Promise.resolve(0);
      }
    };
  }
  return tenantQueue;
}

/** The operation's result, or a rejection once the Redis command timeout has passed. */
async function withinTimeout<T>(operation: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${REDIS_COMMAND_TIMEOUT_MS} ms`)),
      REDIS_COMMAND_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([operation(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
