import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestGateway, type TestGateway } from "../support/test-gateway.js";

describe("editing the config file", () => {
  const dir = mkdtempSync(join(tmpdir(), "runestone-reload-"));
  const file = join(dir, "runestone.yaml");
  const logLines: Array<{ msg: string; level: number }> = [];
  let tg: TestGateway;

  /** Writes the file the way editors and Kubernetes config maps do: a new file renamed over the old one. */
  function replaceFile(content: string): void {
    writeFileSync(`${file}.tmp`, content);
    renameSync(`${file}.tmp`, file);
  }

  const aliasIds = async () =>
    (await tg.openai.models.list()).data.map((m) => m.id).filter((id) => id.startsWith("team-"));

  beforeAll(async () => {
    writeFileSync(file, "server:\n  host: 127.0.0.1\naliases:\n  team-fast: anthropic/claude-haiku-4-5\n");
    const sink = new Writable({
      write(chunk: Buffer, _, done) {
        for (const line of chunk.toString().split("\n"))
          if (line) logLines.push(JSON.parse(line) as { msg: string; level: number });
        done();
      },
    });
    tg = await startTestGateway({ configFile: file, logger: pino({ level: "info" }, sink) });
  });
  afterAll(() => tg.close());

  it("applies a valid edit without a restart", async () => {
    expect(await aliasIds()).toEqual(["team-fast"]);
    replaceFile(
      "server:\n  host: 127.0.0.1\naliases:\n  team-fast: anthropic/claude-haiku-4-5\n  team-smart: openai/gpt-4o\nfallbacks:\n  team-smart: [anthropic/claude-sonnet-4-5]\n",
    );
    await vi.waitFor(async () => expect(await aliasIds()).toEqual(["team-fast", "team-smart"]), {
      timeout: 3000,
      interval: 50,
    });
    tg.fake.once("openai", { kind: "error", status: 503 });
    tg.fake.once("openai", { kind: "error", status: 503 });
    const answer = await tg.openai.chat.completions.create({
      model: "team-smart",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer).toMatchObject({ provider: "anthropic", model: "claude-sonnet-4-5" });
  });

  it("logs a bad edit and keeps the previous configuration", async () => {
    replaceFile("aliases:\n  team-broken: [not, a, string]\nrouting:\n  policy: cheapest\n");
    await vi.waitFor(() => expect(logLines.some((l) => l.msg.includes("configuration edit refused"))).toBe(true), {
      timeout: 3000,
      interval: 50,
    });
    expect(await aliasIds()).toEqual(["team-fast", "team-smart"]);
    replaceFile("server:\n  host: 127.0.0.1\n  port: [broken\n");
    await vi.waitFor(
      () => expect(logLines.filter((l) => l.msg.includes("configuration edit refused")).length).toBe(2),
      { timeout: 3000, interval: 50 },
    );
    expect(await aliasIds()).toEqual(["team-fast", "team-smart"]);
    await tg.contract.settle();
  });
});
