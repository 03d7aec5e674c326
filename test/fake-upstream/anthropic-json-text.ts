/**
 * Serialises a tool input the way Claude writes it in `input_json_delta` fragments:
 * `", "` and `": "` separators (see `{"elements": [{"location": "San Francisco", ...` in
 * real captures), unlike JSON.stringify's compact form.
 */
export function toAnthropicJsonText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toAnthropicJsonText).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const members = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .map(([key, member]) => `${JSON.stringify(key)}: ${toAnthropicJsonText(member)}`);
    return `{${members.join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
