import { describe, expect, it } from "vitest";
import { configKeys } from "../../scripts/config-reference.js";
import { LiveConfig } from "../../src/config-snapshot.js";
import { parseConfig } from "../../src/config/load-config.js";
import { changedRestartOnlyKeys, RESTART_ONLY_KEYS, startupConfig } from "../../src/config/restart-only.js";
import { startTestGateway } from "../support/test-gateway.js";

/**
 * The restart-only keys are declared once (src/config/restart-only.ts), and the declaration is held to what
 * start-up does: start-up code reads the config only through a StartupConfig, which takes the declared keys and
 * no other, and reading the live snapshot during start-up throws. So a new start-up read of another key fails
 * tsc or every gateway test, and a declared key that start-up no longer reads fails the first test here.
 */

const declared = Object.keys(RESTART_ONLY_KEYS).sort();
const config = (raw: Record<string, unknown> = {}) => parseConfig(raw, {}, "test");

describe("restart-only keys", () => {
  it.each([
    ["in memory", {}],
    ["with Redis", { REDIS_URL: "redis://127.0.0.1:6379" }],
  ])("are exactly the keys a gateway reads at start-up (%s)", async (_backend, env) => {
    const tg = await startTestGateway({ env });
    try {
      expect(tg.gateway.runtime.startup.reads().sort()).toEqual(declared);
    } finally {
      await tg.close();
    }
  });

  it("are keys of the schema, which the configuration reference marks", () => {
    const keys = configKeys();
    expect(declared.filter((key) => !keys.some((k) => k.path === key))).toEqual([]);
    expect(
      keys
        .filter((key) => key.restartOnly)
        .map((key) => key.path)
        .sort(),
    ).toEqual(declared);
  });

  it("cannot be read live while the gateway starts up", () => {
    const live = new LiveConfig(config());
    expect(() => live.startUp(() => live.current())).toThrow(/read during start-up/);
    expect(live.current().config.log_level).toBe("info");
  });

  it("are the only keys the start-up config gives", () => {
    const startup = startupConfig(config({ redis_key_prefix: "edge:" }));
    expect(startup.get("redis_key_prefix")).toBe("edge:");
    // @ts-expect-error a key that applies live is not in the start-up config
    expect(() => startup.get("queue.max_wait_ms")).toThrow(/not a restart-only key/);
    expect(startup.reads()).toEqual(["redis_key_prefix"]);
  });

  it("are named when an edit changes them", () => {
    const before = config();
    const after = config({ server: { port: 8080, body_limit: "1mb" }, redis_key_prefix: "edge:", log_level: "debug" });
    expect(changedRestartOnlyKeys(before, after)).toEqual(["server.port", "redis_key_prefix"]);
    expect(changedRestartOnlyKeys(before, config())).toEqual([]);
  });
});

describe("a config snapshot", () => {
  it("is immutable, and a reload swaps it whole", () => {
    const live = new LiveConfig(config({ aliases: { fast: "openai/gpt-4o-mini" } }));
    const first = live.current();
    expect(Object.isFrozen(first) && Object.isFrozen(first.config.aliases) && Object.isFrozen(first.queue)).toBe(true);
    const { previous } = live.apply(
      config({ aliases: { fast: "anthropic/claude-haiku-4-5" }, queue: { max_attempts: 1 } }),
    );
    expect(previous).toBe(first);
    expect(first.table.aliases.get("fast")).toBe("openai/gpt-4o-mini");
    expect(live.current().table.aliases.get("fast")).toBe("anthropic/claude-haiku-4-5");
    expect(live.current().queue.maxAttempts).toBe(1);
  });
});
