import { describe, expect, it, vi } from "vitest";
import { anthropicStream, openaiStream } from "../fake-upstream/index.js";
import { useTestGateway } from "../support/test-gateway.js";

const tg = useTestGateway();

describe("a client that disconnects", () => {
  it.each([
    ["gpt-4o-mini", "openai" as const, openaiStream({ content: "a long answer that never ends" })],
    ["claude-haiku-4-5", "anthropic" as const, anthropicStream({ text: "a long answer that never ends" })],
  ])("mid-stream aborts the upstream %s request at once", async (model, provider, events) => {
    tg.fake.once(provider, { kind: "sse", events, hangAfterEvents: 3 });
    const controller = new AbortController();
    const response = await fetch(`${tg.url}/v1/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "x" }] }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: /);
    expect(tg.fake.openResponses()).toBe(1);
    controller.abort();
    await vi.waitFor(() => expect(tg.fake.aborted).toBe(1), { timeout: 2000, interval: 10 });
    expect(tg.fake.openResponses()).toBe(0);
  });

  it("while waiting for a plain answer aborts the upstream request", async () => {
    tg.fake.once("openai", { kind: "hang" });
    const controller = new AbortController();
    const pending = fetch(`${tg.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    await vi.waitFor(() => expect(tg.fake.openResponses()).toBe(1), { timeout: 2000, interval: 10 });
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(tg.fake.aborted).toBe(1), { timeout: 2000, interval: 10 });
    expect(tg.fake.openResponses()).toBe(0);
  });

  it("leaves the gateway serving the next request", async () => {
    const answer = await tg.openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "still there?" }],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: still there?");
  });
});
