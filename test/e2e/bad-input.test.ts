import { describe, expect, it } from "vitest";
import { useTestGateway } from "../support/test-gateway.js";

// /metrics is open to loopback here, so that its query is validated (with its token required, the 401 comes first).
const tg = useTestGateway({ config: { server: { body_limit: "64kb" }, metrics: { loopback_without_token: true } } });

const user = [{ role: "user", content: "hi" }];

interface BadCase {
  name: string;
  body: unknown;
  param: string | null;
  code: string;
  message?: RegExp;
}

const badBodies: BadCase[] = [
  {
    name: "malformed JSON",
    body: '{"model": "gpt-4o-mini", "messages": [',
    param: null,
    code: "invalid_json",
    message: /could not parse the JSON body/,
  },
  { name: "a JSON array", body: "[1,2]", param: null, code: "invalid_type" },
  { name: "a JSON string", body: '"hello"', param: null, code: "invalid_json" },
  {
    name: "no messages",
    body: { model: "gpt-4o-mini" },
    param: "messages",
    code: "missing_required_parameter",
    message: /messages is required/,
  },
  {
    name: "empty messages",
    body: { model: "gpt-4o-mini", messages: [] },
    param: "messages",
    code: "invalid_value",
    message: /must NOT have fewer than 1 items/,
  },
  {
    name: "messages not an array",
    body: { model: "gpt-4o-mini", messages: "hi" },
    param: "messages",
    code: "invalid_type",
    message: /expected array/,
  },
  {
    name: "unknown role",
    body: { model: "gpt-4o-mini", messages: [{ role: "wizard", content: "hi" }] },
    param: "messages[0].role",
    code: "invalid_value",
  },
  {
    name: "content of the wrong type",
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: 42 }] },
    param: "messages[0].content",
    code: "invalid_type",
    message: /expected string or array/,
  },
  {
    name: "image part without url",
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] },
    param: "messages[0].content[0].image_url.url",
    code: "missing_required_parameter",
  },
  {
    name: "tool message without tool_call_id",
    body: { model: "gpt-4o-mini", messages: [{ role: "tool", content: "x" }] },
    param: "messages[0].tool_call_id",
    code: "missing_required_parameter",
  },
  {
    name: "temperature as a string",
    body: { model: "gpt-4o-mini", messages: user, temperature: "hot" },
    param: "temperature",
    code: "invalid_type",
    message: /expected number/,
  },
  {
    name: "negative temperature",
    body: { model: "gpt-4o-mini", messages: user, temperature: -0.5 },
    param: "temperature",
    code: "invalid_value",
    message: /must be >= 0/,
  },
  {
    name: "temperature above 2",
    body: { model: "gpt-4o-mini", messages: user, temperature: 2.5 },
    param: "temperature",
    code: "invalid_value",
    message: /must be <= 2/,
  },
  {
    name: "top_p above 1",
    body: { model: "gpt-4o-mini", messages: user, top_p: 1.5 },
    param: "top_p",
    code: "invalid_value",
  },
  {
    name: "max_tokens zero",
    body: { model: "gpt-4o-mini", messages: user, max_tokens: 0 },
    param: "max_tokens",
    code: "invalid_value",
  },
  {
    name: "max_tokens fractional",
    body: { model: "gpt-4o-mini", messages: user, max_tokens: 1.5 },
    param: "max_tokens",
    code: "invalid_type",
    message: /expected integer/,
  },
  {
    name: "five stop sequences",
    body: { model: "gpt-4o-mini", messages: user, stop: ["a", "b", "c", "d", "e"] },
    param: "stop",
    code: "invalid_value",
  },
  {
    name: "a bad tool name",
    body: { model: "gpt-4o-mini", messages: user, tools: [{ type: "function", function: { name: "has spaces" } }] },
    param: "tools[0].function.name",
    code: "invalid_value",
  },
  {
    name: "an unknown tool_choice",
    body: { model: "gpt-4o-mini", messages: user, tool_choice: "sometimes" },
    param: "tool_choice",
    code: "invalid_value",
  },
  {
    name: "an unknown capability",
    body: { model: "gpt-4o-mini", messages: user, capabilities: ["telepathy"] },
    param: "capabilities[0]",
    code: "invalid_value",
  },
  {
    name: "an unknown response_format",
    body: { model: "gpt-4o-mini", messages: user, response_format: { type: "yaml" } },
    param: "response_format.type",
    code: "invalid_value",
  },
  {
    name: "no model",
    body: { messages: user },
    param: "model",
    code: "missing_required_parameter",
    message: /must provide a model/,
  },
  {
    name: "an unknown provider",
    body: { model: "gpt-4o-mini", messages: user, provider: "acme" },
    param: "provider",
    code: "invalid_value",
    message: /unknown provider 'acme'/,
  },
  {
    name: "n > 1 on Anthropic",
    body: { model: "claude-haiku-4-5", messages: user, n: 2 },
    param: "n",
    code: "invalid_value",
  },
  {
    name: "tool arguments that are not JSON",
    body: {
      model: "claude-haiku-4-5",
      messages: [
        { role: "user", content: "x" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{nope" } }],
        },
        { role: "tool", tool_call_id: "c1", content: "r" },
      ],
    },
    param: "messages[1].tool_calls[0].function.arguments",
    code: "invalid_value",
  },
  // Shapes that once passed validation and crashed further in (a 500, or a 503 naming NaN).
  {
    name: "a null message",
    body: { model: "gpt-4o-mini", messages: [null] },
    param: "messages[0]",
    code: "invalid_type",
  },
  {
    name: "a string message",
    body: { model: "gpt-4o-mini", messages: ["hi"] },
    param: "messages[0]",
    code: "invalid_type",
  },
  {
    name: "a number message",
    body: { model: "gpt-4o-mini", messages: [1] },
    param: "messages[0]",
    code: "invalid_type",
  },
  {
    name: "an array message",
    body: { model: "gpt-4o-mini", messages: [[]] },
    param: "messages[0]",
    code: "invalid_type",
  },
  {
    name: "a null content part",
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: [null] }] },
    param: "messages[0].content[0]",
    code: "invalid_type",
  },
  {
    name: "an assistant content part that is a string",
    body: { model: "gpt-4o-mini", messages: [...user, { role: "assistant", content: ["hi"] }] },
    param: "messages[1].content[0]",
    code: "invalid_type",
  },
  {
    name: "a response_format that is an array",
    body: { model: "gpt-4o-mini", messages: user, response_format: [] },
    param: "response_format",
    code: "invalid_type",
  },
  {
    name: "max_tokens too large for a number (Infinity)",
    body: '{"model":"gpt-4o-mini","max_tokens":1e999999,"messages":[{"role":"user","content":"hi"}]}',
    param: "max_tokens",
    code: "invalid_type",
  },
  {
    name: "a seed too large for a number (-Infinity)",
    body: '{"model":"gpt-4o-mini","seed":-1e400,"messages":[{"role":"user","content":"hi"}]}',
    param: "seed",
    code: "invalid_type",
  },
  // Values that are echoed in response headers, where they could not be sent.
  {
    name: "a model with a newline",
    body: { model: "gpt-4o-mini\n", messages: user },
    param: "model",
    code: "invalid_value",
  },
  { name: "a model named 💩", body: { model: "💩", messages: user }, param: "model", code: "invalid_value" },
  {
    name: "a request_id with a newline",
    body: { model: "gpt-4o-mini", messages: user, request_id: "a\nb" },
    param: "request_id",
    code: "invalid_value",
  },
  {
    name: "a request_id named 💩",
    body: { model: "gpt-4o-mini", messages: user, request_id: "💩" },
    param: "request_id",
    code: "invalid_value",
  },
];

describe.each(["/v1/chat/completions", "/v1/chat/stream"])("bad requests to %s", (path) => {
  it.each(badBodies)("$name → 400 naming $param", async ({ body, param, code, message }) => {
    const response = await tg.post(path, body);
    expect(response.status).toBe(400);
    const error = ((await response.json()) as { error: Record<string, unknown> }).error;
    expect(error).toMatchObject({ type: "invalid_request_error", param, code });
    if (message) expect(error.message).toMatch(message);
    expect(tg.fake.requests).toHaveLength(0);
  });

  it("refuses a body over the limit with 413", async () => {
    const response = await tg.post(path, {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x".repeat(70 * 1024) }],
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "request_too_large" },
    });
  });

  it("refuses a body that is not JSON with 415", async () => {
    const response = await tg.fetch(`${tg.url}${path}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hello",
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { code: "unsupported_media_type" } });
  });

  it("refuses a body that is not valid UTF-8", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}]}'),
    ]);
    const response = await tg.fetch(`${tg.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: bytes,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_encoding" } });
  });

  it("keeps a real U+FFFD character in a valid body", async () => {
    const response = await tg.post(path, {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "broken \uFFFD char" }],
    });
    expect(response.status).toBe(200);
    await response.text();
  });
});

// On the Messages API, a block that is not an object once passed validation (Ajv's discriminator let it through) and
// crashed the translation: a 500, or a 400 naming an "undefined" block.
describe.each(["/v1/messages", "/v1/messages/count_tokens"])("blocks that are not objects, to %s", (path) => {
  const hi = [{ role: "user", content: "hi" }];
  it.each([
    {
      name: "a null content block",
      body: { messages: [{ role: "user", content: [null] }] },
      at: "messages.0.content.0",
    },
    {
      name: "a number content block",
      body: { messages: [{ role: "user", content: [3.3e44] }] },
      at: "messages.0.content.0",
    },
    {
      name: "a null tool result part",
      body: { messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [null] }] }] },
      at: "messages.0.content.0.content.0",
    },
    { name: "a null system block", body: { messages: hi, system: [null] }, at: "system.0" },
    { name: "a null tool", body: { messages: hi, tools: [null] }, at: "tools.0" },
  ])("$name → 400 naming $at", async ({ body, at }) => {
    const response = await tg.fetch(`${tg.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "gpt-4o-mini", max_tokens: 10, ...body }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: `${at}: expected object` },
    });
    expect(tg.fake.requests).toHaveLength(0);
  });
});

describe("a document source without what its type needs, to /v1/messages", () => {
  it.each([
    { source: { type: "content" }, param: "source.content" },
    { source: { type: "text", media_type: "text/plain" }, param: "source.data" },
    { source: { type: "url" }, param: "source.url" },
    {
      source: { type: "content", content: [{ type: "tool_use", id: "t", name: "f", input: {} }] },
      param: "source.content.0",
    },
  ])("$source.type lacking $param → 400 before anything is sent", async ({ source, param }) => {
    const response = await tg.fetch(`${tg.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        max_tokens: 10,
        messages: [{ role: "user", content: [{ type: "document", source }] }],
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message.startsWith(`messages.0.content.0.${param}`)).toBe(true);
    expect(tg.fake.requests).toHaveLength(0);
  });
});

describe("paths that are not valid percent-encoding", () => {
  it.each([
    ["GET", "/v1/models/%ff"],
    ["GET", "/v1/jobs/%"],
    ["DELETE", "/v1/jobs/%E0%A4%A"],
  ])("%s %s → 400 invalid_value", async (method, path) => {
    const response = await tg.fetch(`${tg.url}${path}`, { method });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "invalid_value", message: /not valid percent-encoding/ },
    });
  });
});

describe("an unknown query parameter", () => {
  it.each([
    ["GET", "/v1/models"],
    ["GET", "/v1/models/gpt-4o-mini"],
    ["GET", "/v1/jobs/job_x"],
    ["DELETE", "/v1/jobs/job_x"],
    ["GET", "/v1/usage"],
    ["GET", "/metrics"],
    ["GET", "/health"],
    ["GET", "/health/live"],
    ["GET", "/health/ready"],
    ["GET", "/docs"],
    ["GET", "/openapi.yaml"],
    ["GET", "/openapi.json"],
  ])("%s %s?bogus=1 → 400 unknown_parameter", async (method, path) => {
    const response = await tg.fetch(`${tg.url}${path}?bogus=1`, { method });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "unknown_parameter", param: "bogus" } });
  });
});

describe("unknown paths and methods", () => {
  it("answers 404 not_found_error for an unknown path", async () => {
    const response = await tg.fetch(`${tg.url}/v1/images/generations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: "not_found_error", code: "unknown_url" } });
  });

  it("answers 405 with Allow for a wrong method", async () => {
    const response = await tg.fetch(`${tg.url}/v1/chat/completions`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(await response.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "method_not_allowed" },
    });
  });
});

it("answers an empty JSON body with 400 naming what is missing", async () => {
  const response = await tg.fetch(`${tg.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({
    error: { type: "invalid_request_error", param: "messages", code: "missing_required_parameter" },
  });
});
