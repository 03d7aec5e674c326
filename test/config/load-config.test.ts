import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "../../src/config/load-config.js";
import { resolveProviderSettings } from "../../src/config/provider-settings.js";

function problemsOf(raw: unknown, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(raw, env, "test");
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("configuration", () => {
  it("has working embedded defaults: port 4001 on loopback, default policy, in-memory state", () => {
    const config = parseConfig({}, {}, "embedded");
    expect(config.server).toEqual({
      port: 4001,
      host: "127.0.0.1",
      body_limit: "20mb",
      unauthenticated_body_budget: "64mb",
    });
    expect(config.auth.open).toBe(false);
    expect(config.metrics.loopback_without_token).toBe(false);
    expect(config.routing.policy).toBe("default");
    expect(config.redis_url).toBeUndefined();
    expect(resolveProviderSettings(config).map((p) => [p.name, p.configured])).toEqual([
      ["openai", false],
      ["anthropic", false],
    ]);
  });

  it("lays the environment variables over the file", () => {
    const config = parseConfig(
      { server: { port: 5000 }, routing: { policy: "default" } },
      {
        PORT: "6000",
        HOST: "0.0.0.0",
        RUNESTONE_ROUTER_POLICY: "cost",
        OPENAI_API_KEY: "sk-1",
        ANTHROPIC_BASE_URL: "http://127.0.0.1:9/",
        REDIS_URL: "redis://r:6379",
      },
      "test",
    );
    expect(config.server.port).toBe(6000);
    expect(config.server.host).toBe("0.0.0.0");
    expect(config.routing.policy).toBe("cost");
    expect(config.providers.openai?.api_key).toBe("sk-1");
    expect(config.providers.anthropic?.base_url).toBe("http://127.0.0.1:9/");
    expect(config.redis_url).toBe("redis://r:6379");
  });

  it("reports every mistake, each with its place, and names the variable a bad value came from", () => {
    const problems = problemsOf(
      {
        server: { port: "eighty", colour: "blue" },
        providers: { openai: { base_url: "not a url" } },
        routing: { policy: "random" },
      },
      { REDIS_URL: "localhost:6379" },
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server\.port: /),
        expect.stringMatching(/^server: .*unknown key: colour/),
        expect.stringMatching(/^providers\.openai\.base_url: /),
        expect.stringMatching(/^routing\.policy: /),
        expect.stringMatching(/^redis_url: .*redis:\/\/.*\(from REDIS_URL\)$/),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it("refuses model names that could not be sent in the x-runestone-model header", () => {
    const problems = problemsOf({
      models: [{ id: "gpt\nx", provider: "openai" }],
      aliases: { fast: "💩" },
      fallbacks: { "gpt-4o": ["claude\r"] },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^models\.0\.id: .*printable ASCII/),
      expect.stringMatching(/^aliases\.fast: .*printable ASCII/),
      expect.stringMatching(/^fallbacks\.gpt-4o\.0: .*printable ASCII/),
    ]);
  });

  it("refuses auth.open together with API keys", () => {
    const keyed = { tenants: { acme: { api_keys: ["a".repeat(64)] } } };
    expect(problemsOf({ ...keyed, auth: { open: true } }, {})).toEqual([expect.stringMatching(/^auth\.open: /)]);
    expect(problemsOf({ ...keyed, auth: { open: false } }, {})).toEqual([]);
    expect(problemsOf({ auth: { open: true } }, {})).toEqual([]);
  });

  it("refuses a file that is not valid YAML, with the parser's message", () => {
    const dir = mkdtempSync(join(tmpdir(), "runestone-config-"));
    const path = join(dir, "bad.yaml");
    writeFileSync(path, "server:\n  port: [4001\n");
    expect(() => loadConfig({ path, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ path: join(dir, "missing.yaml"), env: {} })).toThrow(/does not exist/);
  });

  it("reads RUNESTONE_CONFIG, else ./runestone.yaml when present", () => {
    const dir = mkdtempSync(join(tmpdir(), "runestone-config-"));
    writeFileSync(join(dir, "runestone.yaml"), "server:\n  port: 4100\n");
    writeFileSync(join(dir, "other.yaml"), "server:\n  port: 4200\n");
    expect(loadConfig({ cwd: dir, env: {} })).toMatchObject({
      config: { server: { port: 4100 } },
      path: join(dir, "runestone.yaml"),
    });
    expect(loadConfig({ cwd: dir, env: { RUNESTONE_CONFIG: "other.yaml" } }).config.server.port).toBe(4200);
    expect(loadConfig({ cwd: tmpdir(), env: {} }).path).toBeNull();
  });

  it("configures a keyless OpenAI-compatible host by its base URL", () => {
    const config = parseConfig({ providers: { ollama: { base_url: "http://localhost:11434/v1" } } }, {}, "test");
    expect(resolveProviderSettings(config).find((p) => p.name === "ollama")).toMatchObject({
      kind: "openai",
      configured: true,
    });
  });
});
