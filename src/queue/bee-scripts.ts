import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Redis } from "ioredis";

/**
 * bee-queue runs its Lua scripts by EVALSHA and loads them only when a queue connects, so a Redis that restarted
 * (or ran SCRIPT FLUSH) answers NOSCRIPT to every one of them until they are loaded again: this loads them.
 */
export class BeeScripts {
  private readonly sources: readonly string[];

  constructor(private readonly redis: Redis) {
    const luaDir = join(dirname(createRequire(import.meta.url).resolve("bee-queue")), "lib", "lua");
    this.sources = readdirSync(luaDir)
      .filter((file) => file.endsWith(".lua"))
      .map((file) => readFileSync(join(luaDir, file), "utf8"));
  }

  async load(): Promise<void> {
    await Promise.all(this.sources.map((source) => this.redis.script("LOAD", source)));
  }
}

export function isNoScript(err: unknown): boolean {
  return err instanceof Error && /NOSCRIPT/.test(err.message);
}
