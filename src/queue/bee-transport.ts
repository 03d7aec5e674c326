import { setTimeout as sleep } from "node:timers/promises";
import type BeeQueue from "bee-queue";
import type { Redis } from "ioredis";
import { requireLazily } from "../package/require-lazily.js";
import type { QueueKeys } from "../state/redis-keys.js";
import type { JobHandler, JobTransport } from "./job-transport.js";
import { HAND_BACK_JOB } from "./redis-job-scripts.js";
import type { JobPayload } from "./types.js";

export interface BeeTransportOptions {
  /** bee-queue connects with its own client (node_redis v3), from this URL. */
  redisUrl: string;
  /** bee-queue's keys are keys.bee.*. */
  keys: QueueKeys;
  stallIntervalMs: number;
  onError(tenant: string, err: Error): void;
}

/**
 * A handler that throws is a failure of ours (Redis unreachable, …), not of the job, which the handler records
 * itself: bee-queue puts the job back at the end of the queue this many times.
 */
const INFRASTRUCTURE_RETRIES = 3;
/** On close, how long to wait for handlers still deciding whether they hand their job back. */
const DECISION_WAIT_MS = 1_000;

/**
 * One bee-queue per tenant, so one tenant's backlog never delays another's jobs. Workers run the handler with
 * the tenant's concurrency; bee-queue's stall detection gives the jobs of a worker that died (no heartbeat for
 * one to two stall intervals) to another worker.
 *
 * Connections: bee-queue only takes connection settings (it does not recognise ioredis clients), so each
 * tenant's queue opens its own: 2 per tenant served by this process (commands, and the blocking BRPOPLPUSH of
 * its worker), 1 for a tenant this process only enqueues for. Pub/sub events are off.
 */
export class BeeTransport implements JobTransport {
  readonly kind = "redis";
  private readonly producers = new Map<string, BeeQueue<JobPayload>>();
  private readonly workers = new Map<string, BeeQueue<JobPayload>>();
  private readonly handedBack: { tenant: string; id: string }[] = [];
  /** Handlers that have not yet decided between "done" and "handed back". */
  private readonly deciding = new Set<Promise<unknown>>();
  /** Handlers of handed-back jobs stay pending until their queue is closed: see close(). */
  private releaseHeldHandlers = () => {};
  private readonly heldHandlers = new Promise<void>((resolve) => (this.releaseHeldHandlers = resolve));
  private closing = false;

  /** `redis` is used for the hand-back script only. */
  constructor(
    private readonly redis: Redis,
    private readonly options: BeeTransportOptions,
  ) {}

  async push(id: string, payload: JobPayload): Promise<void> {
    await this.producerOf(payload.tenant).createJob(payload).setId(id).retries(INFRASTRUCTURE_RETRIES).save();
  }

  async remove(id: string, tenant: string): Promise<void> {
    await this.producerOf(tenant).removeJob(id);
  }

  serve(tenant: string, concurrency: number, handle: JobHandler): void {
    if (this.workers.has(tenant) || this.closing) return;
    const queue = this.createQueue(tenant, true);
    this.workers.set(tenant, queue);
    queue.process(concurrency, async (job) => {
      const decision = handle(job.id, job.data);
      this.track(decision);
      if ((await decision) === "done") return;
      this.handedBack.push({ tenant, id: job.id });
      // Settling now would have bee-queue mark the job done. Once the queue is closed, it cannot any more and
      // leaves the job to us (it reports "unable to update the status", which close() ignores).
      await this.heldHandlers;
      throw new Error(`job ${job.id} handed back at shutdown`);
    });
    // Checks now, then every stall interval: an active job not heard of since the previous check goes back to waiting.
    void queue.checkStalledJobs(this.options.stallIntervalMs).catch((err: Error) => this.options.onError(tenant, err));
  }

  async close(): Promise<void> {
    this.closing = true;
    // bee-queue waits for the handlers still holding a job (the handed-back ones) only 1 ms, then closes.
    await Promise.all(
      [...this.workers.values(), ...this.producers.values()].map((queue) => queue.close(1).catch(() => {})),
    );
    // A job taken just before the queues closed may still be on its way to being handed back.
    await Promise.race([Promise.allSettled(this.deciding), sleep(DECISION_WAIT_MS, undefined, { ref: false })]);
    for (const { tenant, id } of this.handedBack) {
      const keys = ["active", "stalling", "waiting"].map((name) => this.options.keys.bee.key(tenant, name));
      await HAND_BACK_JOB.run(this.redis, keys, [id]).catch((err: Error) => this.options.onError(tenant, err));
    }
    this.releaseHeldHandlers();
  }

  private track(decision: Promise<unknown>): void {
    const forget = () => void this.deciding.delete(settled);
    const settled: Promise<void> = decision.then(forget, forget);
    this.deciding.add(settled);
  }

  /** The tenant's worker queue when this process has one (saves a connection), else a producer-only queue. */
  private producerOf(tenant: string): BeeQueue<JobPayload> {
    let queue = this.workers.get(tenant) ?? this.producers.get(tenant);
    if (!queue) {
      queue = this.createQueue(tenant, false);
      this.producers.set(tenant, queue);
    }
    return queue;
  }

  private createQueue(tenant: string, isWorker: boolean): BeeQueue<JobPayload> {
    const Queue = requireLazily("bee-queue") as typeof BeeQueue;
    const queue = new Queue<JobPayload>(this.options.keys.bee.queue(tenant), {
      prefix: this.options.keys.bee.prefix,
      redis: { url: this.options.redisUrl },
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
    queue.on("error", (err) => {
      if (!this.closing) this.options.onError(tenant, err);
    });
    return queue;
  }
}
