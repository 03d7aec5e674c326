import { describe, expect, it } from "vitest";
import { redisKeys } from "../../src/state/redis-keys.js";

/** What Redis Cluster hashes: the part between the first '{' and the next '}', when not empty. */
function hashTag(key: string): string {
  const open = key.indexOf("{");
  const close = key.indexOf("}", open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

// The layouts are what data already in Redis lives under: queued jobs, usage history, live leases.
describe("redisKeys", () => {
  const keys = redisKeys("rs:");

  it.each([
    ["limiter leases", keys.limits.tenant("acme").leases, "rs:limits:{acme}:leases"],
    ["limiter requests", keys.limits.tenant("acme").requests, "rs:limits:{acme}:rpm"],
    ["limiter tokens", keys.limits.tenant("acme").tokens, "rs:limits:{acme}:tpm"],
    ["breaker index", keys.breakers.index, "rs:{breakers}:index"],
    ["breaker state", keys.breakers.state("openai:gpt-4o"), "rs:{breakers}:state:openai:gpt-4o"],
    ["job", keys.queue.job("job_1"), "rs:overflow:job:job_1"],
    ["queued index", keys.queue.queued("acme"), "rs:overflow:queued:acme"],
    ["tenant registry", keys.queue.tenants, "rs:overflow:tenants"],
    ["service time", keys.queue.serviceTime("acme"), "rs:overflow:service-ms:acme"],
    ["bee-queue prefix", keys.queue.bee.prefix, "rs:overflow:bq"],
    ["bee-queue queue name", keys.queue.bee.queue("acme"), "acme"],
    ["bee-queue key", keys.queue.bee.key("acme", "waiting"), "rs:overflow:bq:acme:waiting"],
    ["usage day", keys.usage.day("acme", "2025-01-31"), "rs:usage:acme:2025-01-31"],
    ["usage month", keys.usage.month("acme", "2025-01"), "rs:usage:acme:month:2025-01"],
  ])("%s: %s", (_name, key, expected) => {
    expect(key).toBe(expected);
  });

  it("encodes a tenant name alike in every key, so its braces cannot move a hash tag", () => {
    const tenant = "a{b}:c d";
    const encoded = "a%7Bb%7D%3Ac%20d";
    expect([
      keys.limits.tenant(tenant).leases,
      keys.queue.queued(tenant),
      keys.queue.serviceTime(tenant),
      keys.queue.bee.key(tenant, "active"),
      keys.usage.day(tenant, "2025-01-31"),
      keys.usage.month(tenant, "2025-01"),
    ]).toEqual([
      `rs:limits:{${encoded}}:leases`,
      `rs:overflow:queued:${encoded}`,
      `rs:overflow:service-ms:${encoded}`,
      `rs:overflow:bq:${encoded}:active`,
      `rs:usage:${encoded}:2025-01-31`,
      `rs:usage:${encoded}:month:2025-01`,
    ]);
    expect(keys.queue.bee.key(tenant, "active")).toBe(
      `${keys.queue.bee.prefix}:${keys.queue.bee.queue(tenant)}:active`,
    );
  });

  it("keeps tenants apart whose names hold the characters a key is made of", () => {
    expect(keys.usage.day("a:month", "2025-01")).not.toBe(keys.usage.month("a", "2025-01"));
    expect(hashTag(keys.limits.tenant("a}x").leases)).not.toBe(hashTag(keys.limits.tenant("a").leases));
  });
});
