import { describe, expect, it } from "vitest";
import { Telemetry } from "../../src/telemetry/events.js";
import { createMetrics } from "../../src/telemetry/metrics.js";

describe("metric names", () => {
  const registry = createMetrics({
    telemetry: new Telemetry(),
    knownModel: () => true,
    knownTenant: () => true,
    queueStats: async () => ({ waiting: 0, running: 0, workers: 0 }),
    breakerStates: async () => ({}),
  });
  const names = registry.getMetricsAsArray().map((metric) => metric.name);

  it("are Runestone's (or the GenAI conventions'), each word once in a row", () => {
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      expect(name).toMatch(/^(runestone|gen_ai)_[a-z0-9_]+$/);
      expect(name, `${name} repeats a word`).not.toMatch(/(?:^|_)([a-z0-9]+)_\1(?:_|$)/);
    }
    expect(names).toContain("runestone_process_cpu_user_seconds_total");
    expect(names).toContain("runestone_nodejs_eventloop_lag_seconds");
  });
});
