import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { anthropicStream, anthropicStreamError, openaiStream } from "../fake-upstream/index.js";
import { sseData } from "../support/contract.js";
import { useTestGateway } from "../support/test-gateway.js";

const tg = useTestGateway({ config: { routing: { retry: { max_attempts: 1 } } } });

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const text = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");

describe.each(["gpt-4o-mini", "claude-haiku-4-5"])("streaming %s through the OpenAI SDK", (model) => {
  it("streams the role first, text deltas, then finish_reason; no usage unless asked", async () => {
    const chunks = await collect(
      await tg.openai.chat.completions.create({
        model,
        messages: [{ role: "user", content: "tell me a story" }],
        stream: true,
      }),
    );
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(text(chunks)).toBe("echo: tell me a story");
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.every((c) => !("usage" in c))).toBe(true);
    const provider = model.startsWith("gpt") ? "openai" : "anthropic";
    expect(chunks.every((c) => (c as unknown as { provider: string }).provider === provider)).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it("ends with a usage chunk (choices: []) when stream_options.include_usage is set", async () => {
    const chunks = await collect(
      await tg.openai.chat.completions.create({
        model,
        messages: [{ role: "user", content: "count these words" }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ completion_tokens: 4, total_tokens: expect.any(Number) });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("is the same stream on /v1/chat/stream, with SSE headers and [DONE]", async () => {
    const response = await tg.post("/v1/chat/stream", { model, messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("x-runestone-provider")).toBe(model.startsWith("gpt") ? "openai" : "anthropic");
    const events = sseData(await response.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as ChatCompletionChunk);
    expect(text(chunks)).toBe("echo: hi");
  });
});

describe("errors after the stream started", () => {
  it("ends the stream with an error event, no [DONE], on Anthropic's mid-stream error; the SDK raises it", async () => {
    const events = anthropicStream({ text: "partial answer here" }).slice(0, 5);
    tg.fake.once("anthropic", {
      kind: "sse",
      events: [...events, anthropicStreamError("overloaded_error", "Overloaded")],
    });
    const stream = await tg.openai.chat.completions.create({
      model: "claude-haiku-4-5",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    const received: ChatCompletionChunk[] = [];
    await expect(async () => {
      for await (const chunk of stream) received.push(chunk);
    }).rejects.toThrow(/Overloaded/);
    expect(received.length).toBeGreaterThan(0);

    tg.fake.once("anthropic", {
      kind: "sse",
      events: [...events, anthropicStreamError("overloaded_error", "Overloaded")],
    });
    const raw = sseData(
      await (
        await tg.post("/v1/chat/stream", { model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }] })
      ).text(),
    );
    expect(raw).not.toContain("[DONE]");
    expect(JSON.parse(raw.at(-1) ?? "{}")).toMatchObject({
      error: { type: "service_error", code: "provider_overloaded" },
    });
  });

  it("an upstream that resets mid-stream ends the stream with an error event", async () => {
    tg.fake.once("openai", {
      kind: "sse",
      events: openaiStream({ content: "one two three four" }),
      resetAfterEvents: 2,
    });
    const raw = sseData(
      await (
        await tg.post("/v1/chat/stream", { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] })
      ).text(),
    );
    expect(raw).not.toContain("[DONE]");
    expect(JSON.parse(raw.at(-1) ?? "{}")).toMatchObject({ error: { type: "service_error" } });
  });

  it("an error before the first chunk is a plain HTTP error, not a stream", async () => {
    tg.fake.once("anthropic", { kind: "error", status: 529 });
    const response = await tg.post("/v1/chat/stream", {
      model: "claude-haiku-4-5",
      messages: [{ role: "user", content: "x" }],
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { type: "service_error", code: "provider_overloaded" } });
  });
});
