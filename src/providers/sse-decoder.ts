/** One server-sent event: its `event` field (absent when the upstream named none) and its data lines joined. */
export interface ServerSentEvent {
  event: string | undefined;
  data: string;
}

/**
 * The events of a `text/event-stream` body, in order (the WHATWG format: `\n`, `\r\n` or `\r` line ends, `:`
 * comments, `data` lines joined by `\n`, one optional space after the colon). Fields other than `event` and `data`
 * are not needed upstream and are skipped; an event without data is dropped, as the format says.
 */
export async function* serverSentEvents(chunks: AsyncIterable<string>): AsyncGenerator<ServerSentEvent> {
  const reader = new SseLineReader();
  for await (const chunk of chunks) yield* reader.push(chunk, false);
  yield* reader.push("", true);
}

class SseLineReader {
  private pending = "";
  private event: string | undefined;
  private data: string | undefined;

  /** The events the chunk completes; `last` ends the stream (a last line without its line end still counts). */
  *push(chunk: string, last: boolean): Generator<ServerSentEvent> {
    const text = this.pending + chunk;
    let start = 0;
    let lf = text.indexOf("\n");
    let cr = text.indexOf("\r");
    while (lf !== -1 || cr !== -1) {
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      // A `\r` last in the text may be the first half of a `\r\n`: kept until the next chunk tells.
      if (end === cr && end === text.length - 1 && !last) break;
      const event = this.line(text.slice(start, end));
      if (event) yield event;
      start = end === cr && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
      if (lf !== -1 && lf < start) lf = text.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
    }
    this.pending = text.slice(start);
    if (!last) return;
    if (this.pending !== "") {
      const event = this.line(this.pending);
      if (event) yield event;
    }
    const event = this.line("");
    if (event) yield event;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === "") {
      const { event, data } = this;
      this.event = undefined;
      this.data = undefined;
      return data === undefined ? undefined : { event, data };
    }
    const colon = line.indexOf(":");
    if (colon === 0) return undefined;
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    else if (field === "event") this.event = value;
    return undefined;
  }
}
