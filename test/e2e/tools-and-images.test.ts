import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { anthropicStream, openaiStream } from "../fake-upstream/index.js";
import { useTestGateway } from "../support/test-gateway.js";

const tg = useTestGateway();

const weatherTool: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
  },
};
const PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

describe.each(["gpt-4o-mini", "claude-haiku-4-5"])("tools on %s", (model) => {
  it("does a full tool round trip, plain", async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "What's the weather in Paris?" }];
    const first = await tg.openai.chat.completions.create({ model, messages, tools: [weatherTool] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function.name).toBe("get_weather");
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
    messages.push(first.choices[0]!.message, {
      role: "tool",
      tool_call_id: call!.id,
      content: '{"temperature_c": 12}',
    });
    const second = await tg.openai.chat.completions.create({ model, messages, tools: [weatherTool] });
    expect(second.choices[0]?.finish_reason).toBe("stop");
    expect(second.choices[0]?.message.content).toBe("echo: What's the weather in Paris?");
    if (model.startsWith("claude")) {
      // The tool result reached Anthropic as a tool_result block answering the tool_use id.
      const sent = tg.fake.requests.at(-1)?.body.messages as Array<{
        role: string;
        content: Array<Record<string, unknown>>;
      }>;
      expect(sent.at(-2)?.content).toContainEqual(
        expect.objectContaining({ type: "tool_use", id: call!.id, name: "get_weather" }),
      );
      expect(sent.at(-1)?.content).toContainEqual(
        expect.objectContaining({ type: "tool_result", tool_use_id: call!.id }),
      );
    }
  });

  it("streams a tool call that the SDK's accumulator reassembles", async () => {
    const runner = tg.openai.chat.completions.stream({
      model,
      messages: [{ role: "user", content: "weather please" }],
      tools: [weatherTool],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
    expect(call?.id).toBeTruthy();
  });
});

describe("parallel tool calls streamed", () => {
  it("keeps each Anthropic tool call's index, id and arguments apart", async () => {
    tg.fake.once("anthropic", {
      kind: "sse",
      events: anthropicStream({
        text: "Let me check both.",
        toolUses: [
          { id: "toolu_01A", name: "get_weather", input: { location: "Paris" } },
          { id: "toolu_01B", name: "get_weather", input: { location: "Tokyo", unit: "celsius" } },
          { id: "toolu_01C", name: "get_time", input: {} },
        ],
        stopReason: "tool_use",
        splitArgsInto: 4,
      }),
    });
    const final = await tg.openai.chat.completions
      .stream({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }], tools: [weatherTool] })
      .finalChatCompletion();
    const calls = final.choices[0]?.message.tool_calls ?? [];
    expect(final.choices[0]?.message.content).toBe("Let me check both.");
    expect(calls.map((c) => c.id)).toEqual(["toolu_01A", "toolu_01B", "toolu_01C"]);
    expect(calls.map((c) => (c.type === "function" ? JSON.parse(c.function.arguments) : null))).toEqual([
      { location: "Paris" },
      { location: "Tokyo", unit: "celsius" },
      {},
    ]);
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("passes OpenAI's parallel tool call deltas through unchanged", async () => {
    tg.fake.once("openai", {
      kind: "sse",
      events: openaiStream({
        toolCalls: [
          { id: "call_1", name: "get_weather", arguments: { location: "Paris" } },
          { id: "call_2", name: "get_weather", arguments: { location: "Oslo" } },
        ],
        finishReason: "tool_calls",
        includeUsage: true,
      }),
    });
    const final = await tg.openai.chat.completions
      .stream({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], tools: [weatherTool] })
      .finalChatCompletion();
    const calls = final.choices[0]?.message.tool_calls ?? [];
    expect(calls.map((c) => c.id)).toEqual(["call_1", "call_2"]);
    expect(calls.map((c) => (c.type === "function" ? JSON.parse(c.function.arguments) : null))).toEqual([
      { location: "Paris" },
      { location: "Oslo" },
    ]);
  });
});

describe("images", () => {
  it("sends data URLs as base64 sources and http URLs as URL sources to Anthropic", async () => {
    const answer = await tg.openai.chat.completions.create({
      model: "claude-haiku-4-5",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in these?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PIXEL_PNG}` } },
            { type: "image_url", image_url: { url: "https://example.org/cat.jpg" } },
          ],
        },
      ],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: What is in these? [2 image(s)]");
    const content = (tg.fake.requests.at(-1)!.body.messages as Array<{ content: unknown[] }>)[0]?.content;
    expect(content).toEqual([
      { type: "text", text: "What is in these?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: PIXEL_PNG } },
      { type: "image", source: { type: "url", url: "https://example.org/cat.jpg" } },
    ]);
  });

  it("forwards image parts to OpenAI as they are", async () => {
    const answer = await tg.openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Look" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PIXEL_PNG}`, detail: "low" } },
          ],
        },
      ],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: Look [1 image(s)]");
  });

  it("refuses an image type Anthropic cannot take, naming the part", async () => {
    const response = await tg.post("/v1/chat/completions", {
      model: "claude-haiku-4-5",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/tiff;base64,AAAA" } }] }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { type: "invalid_request_error", param: "messages[0].content[0].image_url.url" },
    });
  });
});
