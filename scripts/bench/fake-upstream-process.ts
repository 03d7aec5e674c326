// The fake upstream of the tests, alone in its own process so that it does not share an event loop with the
// gateway or the load generator. Prints its URL on stdout.
//
// A chat whose last user message is "bench-stream N every M ms" is answered with a stream of exactly N content
// pieces, one every M ms (OpenAI or Anthropic wire format, whichever API was called); everything else gets the
// fake's default answer. The fake records every request for the tests; the bench clears that record every second.
import { isRecord } from "../../test/fake-upstream/json-guards.js";
import {
  anthropicStream,
  openaiStream,
  type RecordedRequest,
  type Scenario,
  type ScenarioHandler,
  startFakeUpstream,
} from "../../test/fake-upstream/index.js";
import { benchStreamRequest } from "./bench-stream.js";

function lastUserText(body: Record<string, unknown>): string | undefined {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last: unknown = messages.at(-1);
  return isRecord(last) && last.role === "user" && typeof last.content === "string" ? last.content : undefined;
}

const pacedStream: ScenarioHandler = (request: RecordedRequest): Scenario | undefined => {
  const shape = benchStreamRequest(lastUserText(request.body));
  if (shape === undefined || request.body.stream !== true) return undefined;
  // N word pieces: each becomes one content delta (OpenAI) or one text_delta (Anthropic).
  const text = Array.from({ length: shape.chunks }, (_, i) => (i === 0 ? "tok" : " tok")).join("");
  const model = String(request.body.model);
  const streamOptions = isRecord(request.body.stream_options) ? request.body.stream_options : {};
  const events =
    request.provider === "openai"
      ? openaiStream({ model, content: text, includeUsage: streamOptions.include_usage === true })
      : anthropicStream({ model, text });
  return { kind: "sse", events, delayBetweenMs: shape.intervalMs };
};

const fake = await startFakeUpstream();
fake.use(pacedStream);
setInterval(() => {
  fake.reset();
  fake.use(pacedStream);
}, 1000).unref();
process.stdout.write(`${fake.url}\n`);
process.on("SIGTERM", () => {
  void fake.close().then(() => process.exit(0));
});
