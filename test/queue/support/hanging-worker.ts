/**
 * A gateway process whose worker takes jobs and never finishes them, for the crash test to SIGKILL.
 * Usage: node --import tsx hanging-worker.ts <redis url> <key prefix> <tenant>
 * Prints "running <request id>" when a job has started.
 */
import { createOverflowQueue } from "../../../src/queue/create-overflow-queue.js";
import { redisKeys } from "../../../src/state/redis-keys.js";
import { Telemetry } from "../../../src/telemetry/events.js";
import { DEFAULTS } from "../../support/config-defaults.js";

const [redisUrl = "", prefix = "", tenant = ""] = process.argv.slice(2);
const queue = createOverflowQueue(
  { redisUrl, keys: redisKeys(prefix).queue, stallIntervalMs: 1_000 },
  new Telemetry(),
  () => DEFAULTS.queue,
  {
    slotPollMs: 10,
  },
);
queue.startWorkers({
  tenants: () => [tenant],
  runner: {
    takeSlot: async () => ({ id: "lease", release: async () => {} }),
    run: async (job) => {
      process.stdout.write(`running ${job.requestId}\n`);
      return new Promise(() => {});
    },
    concurrency: () => 1,
  },
});
