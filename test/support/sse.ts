/** One server-sent event as framed on the wire: `event: <type>` (optional) and `data: <payload>` lines. */
export interface SseMessage {
  event: string | undefined;
  data: string;
}

/**
 * Parses an event stream the way the SSE spec (and the Anthropic SDK) does: events end at a blank line, several
 * `data:` lines join with "\n", a `:` line is a comment, one space after the colon is not part of the value.
 */
export function parseSse(text: string): SseMessage[] {
  const messages: SseMessage[] = [];
  let event: string | undefined;
  let data: string[] = [];
  const dispatch = (): void => {
    if (data.length > 0 || event !== undefined) messages.push({ event, data: data.join("\n") });
    event = undefined;
    data = [];
  };
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      dispatch();
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  dispatch();
  return messages;
}
