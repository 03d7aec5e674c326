import { describe, expect, it } from "vitest";
import { GATEWAY_FIELDS } from "../../../generated/gateway-fields.js";
import { GatewayError } from "../../../src/errors/gateway-error.js";
import { toAnthropicErrorBody } from "../../../src/providers/anthropic/anthropic-error.js";
import {
  type AnthropicMessagesRequest,
  fromAnthropicRequest,
} from "../../../src/providers/anthropic/from-anthropic-request.js";
import { validateAnthropicMessagesRequest } from "../../fake-upstream/anthropic-request-validation.js";
import { loadMessagesRequest, readMessagesApiJson } from "../../support/messages-api-fixtures.js";
import { validateAgainstSpec } from "../../support/spec-schemas.js";
import { errorFields } from "./messages-api-replay.js";

const CASES: { name: string; about: string }[] = [
  { name: "text", about: "the smallest request" },
  { name: "system-blocks", about: "Claude Code's shape: system as cached blocks, user_id, temperature, stream" },
  { name: "sampling-and-hints", about: "stop_sequences, temperature, top_p kept; top_k, thinking, hints dropped" },
  { name: "multi-turn-tools", about: "tool_use → tool_calls, tool_result → role tool (is_error, blocks), ids kept" },
  { name: "tool-choice-named", about: "a named tool_choice, disable_parallel_tool_use → parallel_tool_calls false" },
  { name: "images", about: "a base64 image as a data URL, a URL image as it is" },
  { name: "tool-result-image", about: "an image in a tool result moves to the user message after the tool message" },
  { name: "documents", about: "text and content documents as text, with title and context" },
  { name: "thinking-history", about: "thinking and redacted thinking in an earlier answer are dropped" },
  { name: "structured-output", about: "output_config.format → a strict json_schema response_format" },
];

const REFUSED: { name: string; about: string }[] = [
  { name: "refused-pdf", about: "OpenAI's chat API reads no PDF" },
  { name: "refused-file-image", about: "a Files API image lives at Anthropic" },
  { name: "refused-citations", about: "citations cannot come back" },
  { name: "refused-server-tool", about: "Anthropic's web search tool" },
  { name: "refused-server-tool-history", about: "server tool blocks in an earlier answer" },
  { name: "refused-prefill", about: "a last assistant message would be answered, not continued" },
  { name: "refused-stop-sequences", about: "five stop sequences, OpenAI takes four" },
  { name: "refused-container", about: "a code execution container" },
  { name: "refused-max-tokens-zero", about: "max_tokens 0 (cache warming)" },
  { name: "refused-tool-choice-name", about: "a tool_choice naming no tool of the request" },
];

function refusal(request: AnthropicMessagesRequest): GatewayError {
  try {
    fromAnthropicRequest(request);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error("expected a GatewayError");
}

const HELLO: AnthropicMessagesRequest = {
  model: "gpt-4o-mini",
  max_tokens: 256,
  messages: [{ role: "user", content: "Hello" }],
};
const TOOL = { name: "get_time", input_schema: { type: "object" as const, properties: {} } };
const translate = (request: Partial<AnthropicMessagesRequest>) => fromAnthropicRequest({ ...HELLO, ...request });

describe.each(CASES)("request fixture $name ($about)", ({ name }) => {
  const request = loadMessagesRequest(name);

  it("is a request the Messages API accepts", () => {
    // Runestone's own fields never reach Anthropic; sampling parameters are only accepted by API version 2023-06-01.
    const { temperature, top_p, top_k } = request;
    const legacy = temperature != null || top_p != null || top_k != null;
    const upstream = Object.fromEntries(
      Object.entries(request).filter(
        ([field]) => !(GATEWAY_FIELDS.ChatCompletionRequest as readonly string[]).includes(field),
      ),
    );
    expect(validateAnthropicMessagesRequest(upstream, legacy ? "2023-06-01" : undefined)).toBeUndefined();
  });

  it("gives exactly the expected chat request, valid against the spec", () => {
    const chat = fromAnthropicRequest(request);
    expect(chat).toEqual(readMessagesApiJson(`${name}.chat-request.expected.json`));
    expect(validateAgainstSpec("ChatCompletionRequest", chat)).toEqual([]);
  });
});

describe.each(REFUSED)("refused request fixture $name ($about)", ({ name }) => {
  it("is a 400 naming the field, in both error shapes", () => {
    const error = refusal(loadMessagesRequest(name));
    expect({ ...errorFields(error), anthropic: toAnthropicErrorBody(error) }).toEqual(
      readMessagesApiJson(`${name}.error.expected.json`),
    );
    expect(error.status).toBe(400);
    expect(error.param).not.toBeNull();
  });
});

describe("fromAnthropicRequest: tool_choice", () => {
  it.each([
    [{ type: "auto" }, { tool_choice: "auto" }],
    [{ type: "any" }, { tool_choice: "required" }],
    [{ type: "none" }, { tool_choice: "none" }],
    [
      { type: "auto", disable_parallel_tool_use: true },
      { tool_choice: "auto", parallel_tool_calls: false },
    ],
    [
      { type: "any", disable_parallel_tool_use: true },
      { tool_choice: "required", parallel_tool_calls: false },
    ],
    [{ type: "auto", disable_parallel_tool_use: false }, { tool_choice: "auto" }],
  ] as const)("%j → %j", (choice, expected) => {
    const chat = translate({ tools: [TOOL], tool_choice: choice });
    expect({ tool_choice: chat.tool_choice, parallel_tool_calls: chat.parallel_tool_calls }).toEqual({
      parallel_tool_calls: undefined,
      ...expected,
    });
  });

  it("drops auto and none without tools, and refuses any and tool without tools", () => {
    expect(translate({ tool_choice: { type: "auto" } })).not.toHaveProperty("tool_choice");
    expect(translate({ tool_choice: { type: "none" } })).not.toHaveProperty("tool_choice");
    expect(refusal({ ...HELLO, tool_choice: { type: "any" } }).param).toBe("tool_choice");
    expect(refusal({ ...HELLO, tool_choice: { type: "tool", name: "get_time" } }).param).toBe("tool_choice");
  });

  it("takes a tool with type 'custom' as a function and leaves out the description when there is none", () => {
    const chat = translate({ tools: [{ ...TOOL, type: "custom", cache_control: { type: "ephemeral" } }] });
    expect(chat.tools).toEqual([{ type: "function", function: { name: "get_time", parameters: TOOL.input_schema } }]);
  });

  it("refuses Anthropic's client tools too (bash, text editor), at tools[i]", () => {
    const bash = { type: "bash_20250124" as const, name: "bash" as const };
    expect(refusal({ ...HELLO, tools: [TOOL, bash] }).param).toBe("tools[1]");
  });
});

describe("fromAnthropicRequest: messages", () => {
  it("puts a system message of the conversation where it is", () => {
    const chat = translate({
      system: "Be brief.",
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello." },
        { role: "system", content: [{ type: "text", text: "Answer in French from now on." }] },
        { role: "user", content: "How are you?" },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "system", content: "Answer in French from now on." },
      { role: "user", content: "How are you?" },
    ]);
  });

  it("sends no system message for an empty system", () => {
    expect(translate({ system: "" }).messages).toEqual([{ role: "user", content: "Hello" }]);
    expect(translate({ system: [] }).messages).toEqual([{ role: "user", content: "Hello" }]);
  });

  it("keeps several assistant text blocks apart, as text parts", () => {
    const chat = translate({
      messages: [
        { role: "user", content: "Hi" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "First." },
            { type: "text", text: "Second." },
          ],
        },
        { role: "user", content: "And?" },
      ],
    });
    expect(chat.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "text", text: "First." },
        { type: "text", text: "Second." },
      ],
    });
  });

  it("skips an assistant turn that held only thinking", () => {
    const chat = translate({
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: [{ type: "thinking", thinking: "Hmm.", signature: "c2ln" }] },
        { role: "user", content: "Well?" },
      ],
    });
    expect(chat.messages.map((message) => message.role)).toEqual(["user", "user"]);
  });

  it("marks an error without text, and a tool result with no content is an empty tool message", () => {
    const chat = translate({
      messages: [
        { role: "user", content: "Go" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_time", input: {} }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", is_error: true },
            { type: "tool_result", tool_use_id: "toolu_2" },
          ],
        },
      ],
    });
    expect(chat.messages.slice(2)).toEqual([
      { role: "tool", tool_call_id: "toolu_1", content: "Error: the tool failed." },
      { role: "tool", tool_call_id: "toolu_2", content: "" },
    ]);
  });

  it("keeps the text of a text document inside a tool result, and refuses a PDF there", () => {
    const result = (content: unknown) =>
      ({
        ...HELLO,
        messages: [
          { role: "user", content: "Go" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "read", input: {} }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content }] },
        ],
      }) as AnthropicMessagesRequest;
    const text = { type: "document", source: { type: "text", media_type: "text/plain", data: "file body" } };
    expect(fromAnthropicRequest(result([text])).messages[2]).toEqual({
      role: "tool",
      tool_call_id: "toolu_1",
      content: "file body",
    });
    const pdf = { type: "document", source: { type: "url", url: "https://example.com/a.pdf" } };
    expect(refusal(result([pdf])).param).toBe("messages[2].content[0].content[0].source");
  });

  it.each([
    ["a tool_use block from the user", "user", { type: "tool_use", id: "toolu_1", name: "x", input: {} }],
    ["a tool_result block from the assistant", "assistant", { type: "tool_result", tool_use_id: "toolu_1" }],
    ["an image from the assistant", "assistant", { type: "image", source: { type: "url", url: "https://x/y.png" } }],
    ["a search result", "user", { type: "search_result", source: "s", title: "t", content: [] }],
  ])("refuses %s at its path", (_about, role, block) => {
    const request = {
      ...HELLO,
      messages: [
        { role: "user", content: "Hi" },
        { role, content: [block] },
        { role: "user", content: "Go on" },
      ],
    } as AnthropicMessagesRequest;
    const error = refusal(request);
    expect([error.status, error.param, error.code]).toEqual([400, "messages[1].content[0]", "unsupported_value"]);
  });

  it("refuses an empty conversation and an unknown role", () => {
    expect(refusal({ ...HELLO, messages: [] }).param).toBe("messages");
    const odd = { ...HELLO, messages: [{ role: "tool", content: "x" }] } as unknown as AnthropicMessagesRequest;
    expect(refusal(odd).param).toBe("messages[0].role");
  });
});

describe("fromAnthropicRequest: the rest of the request", () => {
  it("keeps Runestone's routing fields for the gateway and drops unknown fields", () => {
    const chat = translate({
      provider: "openai",
      tenant_id: "acme",
      routing_policy: "cost",
      request_id: "req-42",
      ...({ unknown_field: 1 } as object),
    });
    expect(chat).toEqual({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello" }],
      max_completion_tokens: 256,
      provider: "openai",
      tenant_id: "acme",
      routing_policy: "cost",
      request_id: "req-42",
    });
  });

  it("sends stream false as no stream, and an empty user_id as no user", () => {
    expect(translate({ stream: false, metadata: { user_id: "" } })).toEqual({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello" }],
      max_completion_tokens: 256,
    });
  });

  it("accepts four stop sequences", () => {
    expect(translate({ stop_sequences: ["a", "b", "c", "d"] }).stop).toEqual(["a", "b", "c", "d"]);
  });

  it.each(["inference_geo", "mcp_servers"])("refuses %s, which only Anthropic honours", (field) => {
    const error = refusal({ ...HELLO, ...({ [field]: field === "mcp_servers" ? [{}] : "eu" } as object) });
    expect([error.status, error.param]).toEqual([400, field]);
  });
});
