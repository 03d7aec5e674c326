import { describe, expect, it } from "vitest";
import { type ServerSentEvent, serverSentEvents } from "../../src/providers/sse-decoder.js";

async function decode(chunks: string[]): Promise<ServerSentEvent[]> {
  async function* source() {
    yield* chunks;
  }
  const events: ServerSentEvent[] = [];
  for await (const event of serverSentEvents(source())) events.push(event);
  return events;
}

/** Every way to cut a text into two chunks, and one character per chunk. */
function splits(text: string): string[][] {
  const twoPieces = Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
  return [...twoPieces, [...text]];
}

describe("serverSentEvents", () => {
  const stream =
    ': a comment\n\ndata: {"a":1}\n\nevent: message_start\ndata: {"b":2}\n\ndata:no-space\ndata:  two\n\n' +
    "id: 7\nretry: 100\ndata: [DONE]\n\n";
  const expected: ServerSentEvent[] = [
    { event: undefined, data: '{"a":1}' },
    { event: "message_start", data: '{"b":2}' },
    { event: undefined, data: "no-space\n two" },
    { event: undefined, data: "[DONE]" },
  ];

  it("reads events, comments skipped, data lines joined, one space after the colon dropped", async () => {
    expect(await decode([stream])).toEqual(expected);
  });

  it.each(["\r\n", "\r"])("reads %j line ends too", async (lineEnd) => {
    expect(await decode([stream.replaceAll("\n", lineEnd)])).toEqual(expected);
  });

  it("gives the same events however the body is cut into chunks", async () => {
    for (const text of [stream, stream.replaceAll("\n", "\r\n"), stream.replaceAll("\n", "\r")]) {
      for (const chunks of splits(text)) expect(await decode(chunks)).toEqual(expected);
    }
  });

  it("ends a last event whose blank line never came, and drops events without data", async () => {
    expect(await decode(["event: ping\n\n", "data: last"])).toEqual([{ event: undefined, data: "last" }]);
    expect(await decode(["data: x\r"])).toEqual([{ event: undefined, data: "x" }]);
  });

  it("keeps an empty data line as an empty string", async () => {
    expect(await decode(["data\n\ndata:\n\n"])).toEqual([
      { event: undefined, data: "" },
      { event: undefined, data: "" },
    ]);
  });
});
