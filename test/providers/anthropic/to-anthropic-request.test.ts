import { describe, expect, it } from "vitest";
import { GATEWAY_FIELDS } from "../../../generated/gateway-fields.js";
import { GatewayError } from "../../../src/errors/gateway-error.js";
import { JSON_OBJECT_TOOL_NAME, jsonResponseToolName } from "../../../src/providers/anthropic/json-response-tool.js";
import { ANTHROPIC_MAX_TEMPERATURE } from "../../../src/providers/anthropic/sampling.js";
import {
  toAnthropicRequest,
  type ToAnthropicRequestOptions,
} from "../../../src/providers/anthropic/to-anthropic-request.js";
import type { ChatRequest } from "../../../src/providers/types.js";

const OPTIONS: ToAnthropicRequestOptions = { model: "claude-sonnet-5-5", defaultMaxTokens: 4096 };
const HELLO: ChatRequest = { model: "claude-sonnet-5-5", messages: [{ role: "user", content: "Hello" }] };
const HELLO_PARAMS = {
  model: "claude-sonnet-5-5",
  max_tokens: 4096,
  messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
};
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The current weather of a city.",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const ANTHROPIC_WEATHER_TOOL = {
  name: "get_weather",
  description: "The current weather of a city.",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

function translate(request: Partial<ChatRequest>, options: Partial<ToAnthropicRequestOptions> = {}): unknown {
  return toAnthropicRequest({ ...HELLO, ...request } as ChatRequest, { ...OPTIONS, ...options });
}

function invalid(request: Partial<ChatRequest>): GatewayError {
  try {
    translate(request);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error("expected a GatewayError");
}

function expectInvalid(request: Partial<ChatRequest>, param: string): void {
  const error = invalid(request);
  expect({ status: error.status, type: error.type, param: error.param }).toEqual({
    status: 400,
    type: "invalid_request_error",
    param,
  });
}

describe("toAnthropicRequest: what is sent", () => {
  it("translates the smallest request", () => {
    expect(translate({})).toEqual(HELLO_PARAMS);
  });

  it("never sends Runestone's fields, unknown fields or what Anthropic does not support", () => {
    const request = {
      ...Object.fromEntries(GATEWAY_FIELDS.ChatCompletionRequest.map((field) => [field, `value of ${field}`])),
      stream: true,
      stream_options: { include_usage: true },
      frequency_penalty: 0.5,
      presence_penalty: 0.2,
      seed: 42,
      logit_bias: { "50256": -100 },
      temperature: 0.7,
      top_p: 0.9,
      n: 1,
      logprobs: false,
      service_tier: "auto",
      reasoning_effort: "high",
      some_future_field: { x: 1 },
    } as unknown as Partial<ChatRequest>;
    const params = translate(request);
    expect(params).toEqual(HELLO_PARAMS);
    const wire = JSON.stringify(params);
    for (const field of Object.keys(request)) expect(wire).not.toContain(`"${field}"`);
  });

  it("uses the upstream model id it is given, not the client's", () => {
    expect(translate({ model: "anthropic/sonnet" }, { model: "claude-opus-4-8" })).toMatchObject({
      model: "claude-opus-4-8",
    });
  });
});

describe("toAnthropicRequest: messages", () => {
  it("moves system and developer messages, wherever they are, into system text blocks in order", () => {
    expect(
      translate({
        messages: [
          { role: "system", content: "You are terse." },
          {
            role: "developer",
            content: [
              { type: "text", text: "Answer in French." },
              { type: "text", text: "" },
            ],
          },
          { role: "user", content: "Hi" },
          { role: "system", content: "Never use emoji." },
          { role: "system", content: "" },
        ],
      }),
    ).toEqual({
      ...HELLO_PARAMS,
      system: [
        { type: "text", text: "You are terse." },
        { type: "text", text: "Answer in French." },
        { type: "text", text: "Never use emoji." },
      ],
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    });
  });

  it("merges consecutive turns of one role and drops empty text and empty messages", () => {
    expect(
      translate({
        messages: [
          { role: "user", content: "a" },
          {
            role: "user",
            content: [
              { type: "text", text: "b" },
              { type: "text", text: "" },
              { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "high" } },
            ],
          },
          { role: "assistant", content: "x" },
          {
            role: "assistant",
            content: [
              { type: "text", text: "y" },
              { type: "refusal", refusal: "I won't do z." },
            ],
          },
          { role: "assistant", content: "" },
          { role: "user", content: "" },
          { role: "assistant", content: null },
          { role: "user", content: "c" },
        ],
      }),
    ).toEqual({
      ...HELLO_PARAMS,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
            { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "text", text: "x" },
            { type: "text", text: "y" },
            { type: "text", text: "I won't do z." },
          ],
        },
        { role: "user", content: [{ type: "text", text: "c" }] },
      ],
    });
  });

  it("round-trips tool calls: tool_use blocks out, tool_result blocks back, first in their user turn", () => {
    expect(
      translate({
        tools: [WEATHER_TOOL],
        messages: [
          { role: "user", content: "Weather in Paris and Tokyo?" },
          {
            role: "assistant",
            content: "Checking both.",
            tool_calls: [
              { id: "call_paris", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
              { id: "call_tokyo", type: "function", function: { name: "get_weather", arguments: "" } },
            ],
          },
          { role: "tool", tool_call_id: "call_paris", content: "18°C" },
          { role: "user", content: "Also, be brief." },
          {
            role: "tool",
            tool_call_id: "call_tokyo",
            content: [
              { type: "text", text: "22°C" },
              { type: "text", text: ", sunny" },
            ],
          },
          { role: "assistant", content: "Paris 18°C, Tokyo 22°C.", refusal: null },
          { role: "user", content: "Thanks" },
        ],
      }),
    ).toEqual({
      ...HELLO_PARAMS,
      tools: [ANTHROPIC_WEATHER_TOOL],
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather in Paris and Tokyo?" }] },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking both." },
            { type: "tool_use", id: "call_paris", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "call_tokyo", name: "get_weather", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_paris", content: "18°C" },
            {
              type: "tool_result",
              tool_use_id: "call_tokyo",
              content: [
                { type: "text", text: "22°C" },
                { type: "text", text: ", sunny" },
              ],
            },
            { type: "text", text: "Also, be brief." },
          ],
        },
        { role: "assistant", content: [{ type: "text", text: "Paris 18°C, Tokyo 22°C." }] },
        { role: "user", content: [{ type: "text", text: "Thanks" }] },
      ],
    });
  });

  it("sends a tool result with no text without content, and a refusal-only assistant turn as text", () => {
    expect(
      translate({
        messages: [
          { role: "user", content: "Do it" },
          { role: "assistant", content: null, refusal: "I can't help with that." },
          { role: "user", content: "Then run the check" },
          {
            role: "assistant",
            tool_calls: [{ id: "call_1", type: "function", function: { name: "check", arguments: "{}" } }],
          },
          { role: "tool", tool_call_id: "call_1", content: "" },
        ],
      }),
    ).toEqual({
      ...HELLO_PARAMS,
      messages: [
        { role: "user", content: [{ type: "text", text: "Do it" }] },
        { role: "assistant", content: [{ type: "text", text: "I can't help with that." }] },
        { role: "user", content: [{ type: "text", text: "Then run the check" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "call_1", name: "check", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "call_1" }] },
      ],
    });
  });

  it("makes tool call ids from other providers acceptable to Anthropic, the same way on both sides", () => {
    expect(
      translate({
        messages: [
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            tool_calls: [
              {
                id: "functions.get_weather:0",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
              },
            ],
          },
          { role: "tool", tool_call_id: "functions.get_weather:0", content: "-3°C" },
        ],
      }),
    ).toMatchObject({
      messages: [
        {},
        { content: [{ type: "tool_use", id: "functions_get_weather_0" }] },
        { content: [{ type: "tool_result", tool_use_id: "functions_get_weather_0", content: "-3°C" }] },
      ],
    });
  });

  it("sends a conversation that starts with an assistant turn as it is", () => {
    expect(
      translate({
        messages: [
          { role: "system", content: "Be a pirate." },
          { role: "assistant", content: "Arr, what be yer question?" },
          { role: "user", content: "Where's the treasure?" },
        ],
      }),
    ).toEqual({
      ...HELLO_PARAMS,
      system: [{ type: "text", text: "Be a pirate." }],
      messages: [
        { role: "assistant", content: [{ type: "text", text: "Arr, what be yer question?" }] },
        { role: "user", content: [{ type: "text", text: "Where's the treasure?" }] },
      ],
    });
  });

  it("refuses a conversation with nothing but system messages", () => {
    expectInvalid(
      {
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "" },
        ],
      },
      "messages",
    );
  });

  it("refuses tool call arguments that are not a JSON object", () => {
    const call = (args: string): Partial<ChatRequest> => ({
      messages: [
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_ok", type: "function", function: { name: "a", arguments: "{}" } },
            { id: "call_bad", type: "function", function: { name: "b", arguments: args } },
          ],
        },
      ],
    });
    expectInvalid(call('{"city": '), "messages[1].tool_calls[1].function.arguments");
    expectInvalid(call("[1, 2]"), "messages[1].tool_calls[1].function.arguments");
    expectInvalid(call("null"), "messages[1].tool_calls[1].function.arguments");
    expect(invalid(call("not json")).message).toMatch(/JSON/);
  });
});

describe("toAnthropicRequest: images", () => {
  const withImage = (url: string): Partial<ChatRequest> => ({
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url, detail: "low" } },
        ],
      },
    ],
  });
  const imageBlock = (url: string): unknown => {
    const params = translate(withImage(url)) as { messages: { content: unknown[] }[] };
    return params.messages[0]?.content[1];
  };

  it("translates the whole request with an image", () => {
    expect(translate(withImage(`data:image/png;base64,${PNG}`))).toEqual({
      ...HELLO_PARAMS,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
          ],
        },
      ],
    });
  });

  it.each([
    ["image/jpeg", "image/jpeg"],
    ["image/jpg", "image/jpeg"],
    ["IMAGE/PNG", "image/png"],
    ["image/gif", "image/gif"],
    ["image/webp", "image/webp"],
  ])("takes a %s data URL as base64 %s", (declared, mediaType) => {
    expect(imageBlock(`data:${declared};base64,${PNG}`)).toEqual({
      type: "image",
      source: { type: "base64", media_type: mediaType, data: PNG },
    });
  });

  it("takes http and https URLs as URL sources", () => {
    expect(imageBlock("http://example.com/a.jpg")).toEqual({
      type: "image",
      source: { type: "url", url: "http://example.com/a.jpg" },
    });
    expect(imageBlock("https://example.com/a.jpg?x=1")).toEqual({
      type: "image",
      source: { type: "url", url: "https://example.com/a.jpg?x=1" },
    });
  });

  it.each([
    ["an unsupported image type", `data:image/bmp;base64,${PNG}`],
    ["a non-image type", `data:application/pdf;base64,${PNG}`],
    ["a data URL without base64", "data:image/png,rawbytes"],
    ["a data URL without data", "data:image/png;base64,"],
    ["another scheme", "ftp://example.com/a.png"],
    ["a file path", "/tmp/a.png"],
  ])("refuses %s", (_about, url) => {
    expectInvalid(withImage(url), "messages[0].content[1].image_url.url");
  });
});

describe("toAnthropicRequest: tools and tool_choice", () => {
  it("translates function tools, with and without parameters, and drops strict", () => {
    expect(
      translate({
        tools: [
          WEATHER_TOOL,
          { type: "function", function: { name: "list_alerts" } },
          {
            type: "function",
            function: { name: "search", parameters: { properties: { q: { type: "string" } } }, strict: true },
          },
        ],
      }),
    ).toEqual({
      ...HELLO_PARAMS,
      tools: [
        ANTHROPIC_WEATHER_TOOL,
        { name: "list_alerts", input_schema: { type: "object", properties: {} } },
        { name: "search", input_schema: { type: "object", properties: { q: { type: "string" } } } },
      ],
    });
  });

  it("refuses parameters that are not an object schema", () => {
    expectInvalid(
      { tools: [WEATHER_TOOL, { type: "function", function: { name: "f", parameters: { type: "array" } } }] },
      "tools[1].function.parameters",
    );
  });

  it.each([
    ["absent", undefined, undefined, undefined],
    ["auto", "auto", undefined, { type: "auto" }],
    ["required", "required", undefined, { type: "any" }],
    ["none", "none", undefined, { type: "none" }],
    [
      "named",
      { type: "function", function: { name: "get_weather" } },
      undefined,
      { type: "tool", name: "get_weather" },
    ],
    ["absent, parallel_tool_calls false", undefined, false, { type: "auto", disable_parallel_tool_use: true }],
    ["auto, parallel_tool_calls false", "auto", false, { type: "auto", disable_parallel_tool_use: true }],
    ["required, parallel_tool_calls false", "required", false, { type: "any", disable_parallel_tool_use: true }],
    [
      "named, parallel_tool_calls false",
      { type: "function", function: { name: "get_weather" } },
      false,
      { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
    ],
    ["none, parallel_tool_calls false", "none", false, { type: "none" }],
    ["auto, parallel_tool_calls true", "auto", true, { type: "auto" }],
  ] as const)("tool_choice %s", (_about, toolChoice, parallel, expected) => {
    const params = translate({
      tools: [WEATHER_TOOL],
      tool_choice: toolChoice as ChatRequest["tool_choice"],
      parallel_tool_calls: parallel,
    });
    expect(params).toEqual({
      ...HELLO_PARAMS,
      tools: [ANTHROPIC_WEATHER_TOOL],
      ...(expected === undefined ? {} : { tool_choice: expected }),
    });
  });

  it("drops tool_choice none or auto, and parallel_tool_calls, when there are no tools", () => {
    expect(translate({ tool_choice: "none" })).toEqual(HELLO_PARAMS);
    expect(translate({ tool_choice: "auto", parallel_tool_calls: false })).toEqual(HELLO_PARAMS);
    expect(translate({ tools: [], tool_choice: "auto" })).toEqual(HELLO_PARAMS);
  });

  it("refuses tool_choice required or named without tools, or naming an unknown tool", () => {
    expectInvalid({ tool_choice: "required" }, "tool_choice");
    expectInvalid({ tool_choice: { type: "function", function: { name: "get_weather" } } }, "tool_choice");
    expectInvalid(
      { tools: [WEATHER_TOOL], tool_choice: { type: "function", function: { name: "get_time" } } },
      "tool_choice",
    );
  });
});

describe("toAnthropicRequest: response_format", () => {
  const REPORT_SCHEMA = {
    type: "object",
    properties: { city: { type: "string" }, temperature_c: { type: "number" }, conditions: { type: "string" } },
    required: ["city", "temperature_c", "conditions"],
    additionalProperties: false,
  };
  const JSON_SCHEMA_FORMAT: ChatRequest["response_format"] = {
    type: "json_schema",
    json_schema: { name: "weather_report", description: "A weather report.", schema: REPORT_SCHEMA, strict: true },
  };
  const REPORT_TOOL = { name: "weather_report", description: "A weather report.", input_schema: REPORT_SCHEMA };

  it("asks for a json_schema answer through a forced tool named after the schema", () => {
    const request = { response_format: JSON_SCHEMA_FORMAT };
    expect(translate(request)).toEqual({
      ...HELLO_PARAMS,
      tools: [REPORT_TOOL],
      tool_choice: { type: "tool", name: "weather_report", disable_parallel_tool_use: true },
    });
    expect(jsonResponseToolName({ ...HELLO, ...request })).toBe("weather_report");
  });

  it("asks for a json_object answer through a permissive forced tool", () => {
    const request: Partial<ChatRequest> = { response_format: { type: "json_object" } };
    expect(translate(request)).toEqual({
      ...HELLO_PARAMS,
      tools: [
        {
          name: JSON_OBJECT_TOOL_NAME,
          description: expect.any(String),
          input_schema: { type: "object", additionalProperties: true },
        },
      ],
      tool_choice: { type: "tool", name: "json_response", disable_parallel_tool_use: true },
    });
    expect(jsonResponseToolName({ ...HELLO, ...request })).toBe("json_response");
  });

  it("gives a json_schema without description or schema a default description and an object schema", () => {
    expect(translate({ response_format: { type: "json_schema", json_schema: { name: "answer" } } })).toMatchObject({
      tools: [{ name: "answer", description: expect.stringMatching(/JSON/), input_schema: { type: "object" } }],
    });
  });

  it("changes nothing for response_format text", () => {
    const request: Partial<ChatRequest> = { response_format: { type: "text" } };
    expect(translate(request)).toEqual(HELLO_PARAMS);
    expect(jsonResponseToolName({ ...HELLO, ...request })).toBeUndefined();
    expect(jsonResponseToolName(HELLO)).toBeUndefined();
  });

  it("lets the model choose between the client's tools and the JSON tool", () => {
    expect(translate({ response_format: JSON_SCHEMA_FORMAT, tools: [WEATHER_TOOL] })).toEqual({
      ...HELLO_PARAMS,
      tools: [ANTHROPIC_WEATHER_TOOL, REPORT_TOOL],
      tool_choice: { type: "any" },
    });
    expect(
      translate({ response_format: JSON_SCHEMA_FORMAT, tools: [WEATHER_TOOL], parallel_tool_calls: false }),
    ).toMatchObject({
      tool_choice: { type: "any", disable_parallel_tool_use: true },
    });
  });

  it("keeps a named tool_choice, and forces the JSON tool when tool_choice is none", () => {
    expect(
      translate({
        response_format: JSON_SCHEMA_FORMAT,
        tools: [WEATHER_TOOL],
        tool_choice: { type: "function", function: { name: "get_weather" } },
      }),
    ).toMatchObject({
      tool_choice: { type: "tool", name: "get_weather" },
    });
    expect(
      translate({ response_format: JSON_SCHEMA_FORMAT, tools: [WEATHER_TOOL], tool_choice: "none" }),
    ).toMatchObject({
      tool_choice: { type: "tool", name: "weather_report", disable_parallel_tool_use: true },
    });
  });

  it("refuses a schema that is not an object, and a schema name that is also a tool's", () => {
    expectInvalid(
      { response_format: { type: "json_schema", json_schema: { name: "list", schema: { type: "array" } } } },
      "response_format.json_schema.schema",
    );
    expectInvalid(
      {
        response_format: { type: "json_schema", json_schema: { name: "get_weather", schema: REPORT_SCHEMA } },
        tools: [WEATHER_TOOL],
      },
      "response_format.json_schema.name",
    );
  });
});

describe("toAnthropicRequest: generation parameters", () => {
  it.each([
    ["a string", "END", ["END"]],
    ["a list", ["\n\n", "Human:"], ["\n\n", "Human:"]],
    ["a list with an empty sequence", ["", "STOP"], ["STOP"]],
  ] as const)("sends stop as stop_sequences (%s)", (_about, stop, expected) => {
    expect(translate({ stop: stop as ChatRequest["stop"] })).toEqual({ ...HELLO_PARAMS, stop_sequences: expected });
  });

  it("sends no stop_sequences for a null or empty stop", () => {
    expect(translate({ stop: null })).toEqual(HELLO_PARAMS);
    expect(translate({ stop: "" })).toEqual(HELLO_PARAMS);
  });

  it.each([
    ["max_completion_tokens over max_tokens", { max_completion_tokens: 300, max_tokens: 50 }, 300],
    ["max_tokens", { max_tokens: 50 }, 50],
    ["max_tokens when max_completion_tokens is null", { max_completion_tokens: null, max_tokens: 70 }, 70],
    ["the default when neither is set", {}, 4096],
    ["the default when both are null", { max_completion_tokens: null, max_tokens: null }, 4096],
  ])("takes max_tokens from %s", (_about, request, expected) => {
    expect(translate(request)).toEqual({ ...HELLO_PARAMS, max_tokens: expected });
  });

  it("sends user as metadata.user_id", () => {
    expect(translate({ user: "user-1234" })).toEqual({ ...HELLO_PARAMS, metadata: { user_id: "user-1234" } });
    expect(translate({ user: "" })).toEqual(HELLO_PARAMS);
  });

  it("refuses n > 1, logprobs and top_logprobs", () => {
    expectInvalid({ n: 2 }, "n");
    expect(invalid({ n: 3 }).message).toMatch(/one choice/);
    expectInvalid({ logprobs: true }, "logprobs");
    expectInvalid({ logprobs: true, top_logprobs: 5 }, "logprobs");
    expectInvalid({ top_logprobs: 2 }, "top_logprobs");
    expect(translate({ n: 1, logprobs: false, top_logprobs: 0 })).toEqual(HELLO_PARAMS);
  });

  describe("temperature and top_p", () => {
    it("are not sent by default: API version 2026-10-21, which the SDK speaks, rejects them", () => {
      expect(translate({ temperature: 0.2 })).toEqual(HELLO_PARAMS);
      expect(translate({ temperature: 1.7, top_p: 0.9 })).toEqual(HELLO_PARAMS);
      expect(translate({ top_p: 0.5 })).toEqual(HELLO_PARAMS);
    });

    it.each([
      ["a temperature within 0..1 as it is", { temperature: 0.3 }, { temperature: 0.3 }],
      ["a temperature of 0", { temperature: 0 }, { temperature: 0 }],
      ["a temperature above 1 as 1", { temperature: 1.7 }, { temperature: ANTHROPIC_MAX_TEMPERATURE }],
      ["a temperature of 2 as 1", { temperature: 2 }, { temperature: 1 }],
      ["only temperature when both are set", { temperature: 0.5, top_p: 0.9 }, { temperature: 0.5 }],
      ["top_p alone", { top_p: 0.9 }, { top_p: 0.9 }],
      ["top_p when temperature is null", { temperature: null, top_p: 0.8 }, { top_p: 0.8 }],
      ["nothing when neither is set", {}, {}],
    ])("when asked for, send %s", (_about, request, expected) => {
      expect(translate(request, { sendSamplingParameters: true })).toEqual({ ...HELLO_PARAMS, ...expected });
    });

    it("clamps at 1, Anthropic's highest temperature", () => {
      expect(ANTHROPIC_MAX_TEMPERATURE).toBe(1);
    });
  });
});
