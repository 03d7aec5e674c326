import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { configSchema, type Config } from "./schema.js";

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

/** Environment variables for the common settings, and where each lands in the config. */
export const ENV_SETTINGS: ReadonlyArray<{ variable: string; path: string[]; number?: boolean }> = [
  { variable: "PORT", path: ["server", "port"], number: true },
  { variable: "HOST", path: ["server", "host"] },
  { variable: "OPENAI_API_KEY", path: ["providers", "openai", "api_key"] },
  { variable: "OPENAI_BASE_URL", path: ["providers", "openai", "base_url"] },
  { variable: "ANTHROPIC_API_KEY", path: ["providers", "anthropic", "api_key"] },
  { variable: "ANTHROPIC_BASE_URL", path: ["providers", "anthropic", "base_url"] },
  { variable: "REDIS_URL", path: ["redis_url"] },
  { variable: "RUNESTONE_ROUTER_POLICY", path: ["routing", "policy"] },
  { variable: "RUNESTONE_LOG_LEVEL", path: ["log_level"] },
];

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null for the embedded defaults. */
  path: string | null;
}

/**
 * Reads the YAML file (RUNESTONE_CONFIG, else ./runestone.yaml when present), lays the environment variables
 * over it and validates the result, reporting every mistake with its place (and its variable, when it came from one).
 */
export function loadConfig(options: { env?: Env; path?: string; cwd?: string } = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const explicit = options.path ?? env.RUNESTONE_CONFIG;
  const fallback = resolve(options.cwd ?? process.cwd(), "runestone.yaml");
  const path = explicit ? resolve(options.cwd ?? process.cwd(), explicit) : existsSync(fallback) ? fallback : null;
  const raw = path ? readYaml(path) : {};
  return { config: parseConfig(raw, env, path ?? "embedded defaults"), path };
}

export function parseConfig(raw: unknown, env: Env, source: string): Config {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(source, ["the file must hold a YAML mapping (key: value) at the top level"]);
  }
  const merged = structuredClone(raw) as Record<string, unknown>;
  const fromEnv = new Map<string, string>();
  for (const setting of ENV_SETTINGS) {
    const value = env[setting.variable];
    if (value === undefined || value === "") continue;
    setPath(merged, setting.path, setting.number && /^\d+$/.test(value) ? Number(value) : value);
    fromEnv.set(setting.path.join("."), setting.variable);
  }
  const result = configSchema.safeParse(merged);
  if (!result.success)
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => describeIssue(issue, fromEnv)),
    );
  return result.data;
}

function readYaml(path: string): unknown {
  if (!existsSync(path)) throw new ConfigError(path, ["the file does not exist"]);
  const doc = parseDocument(readFileSync(path, "utf8"));
  if (doc.errors.length > 0)
    throw new ConfigError(
      path,
      doc.errors.map((e) => e.message),
    );
  return doc.toJS() ?? {};
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function describeIssue(issue: z.core.$ZodIssue, fromEnv: Map<string, string>): string {
  const where = issue.path.map(String).join(".") || "(top level)";
  const variable = fromEnv.get(where);
  const unknownKeys =
    issue.code === "unrecognized_keys"
      ? ` (unknown key${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")})`
      : "";
  return `${where}: ${issue.message}${unknownKeys}${variable ? ` (from ${variable})` : ""}`;
}
