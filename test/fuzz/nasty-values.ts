import fc from "fast-check";

/** JSON text put into a body as is: what JSON.stringify cannot write (1e999, nesting deeper than its stack). */
export class RawJson {
  constructor(readonly text: string) {}
}

const deepArray = (depth: number) => new RawJson(`${"[".repeat(depth)}${"]".repeat(depth)}`);
const deepObject = (depth: number) => new RawJson(`${'{"a":'.repeat(depth)}null${"}".repeat(depth)}`);
/** A JSON-schema-looking object nested `depth` deep, as a tool's parameters would be. */
const deepSchema = (depth: number) =>
  new RawJson(`${'{"type":"object","properties":{"a":'.repeat(depth)}{}${"}}".repeat(depth)}`);

/** Strings that have broken parsers, headers, logs and terminals. */
export const ODD_STRINGS: readonly string[] = [
  "",
  " ",
  "💩",
  "\u0000",
  "a\nb",
  "a\r\nX-Injected: 1",
  "\ud800",
  "\u202e\u0041",
  "%",
  "%ff",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "$" + "{jndi:ldap://x}",
  "null",
  "__proto__",
  "constructor",
  "x".repeat(10_000),
  "é".repeat(300),
];

/**
 * Values no schema allows, or allows only at its edges: wrong types, nulls, huge and non-finite numbers, odd
 * strings, prototype keys, and nesting from shallow to far deeper than any stack.
 */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, -0, 2 ** 53, 1e308, -1e308, [], {}, [null], [[]], [{}]),
  fc.constantFrom(...ODD_STRINGS),
  fc.constantFrom(
    new RawJson("1e999"),
    new RawJson("-1e999"),
    new RawJson("1e-999"),
    new RawJson("123456789012345678901234567890"),
  ),
  fc.constantFrom(
    new RawJson('{"__proto__":{"polluted":true}}'),
    new RawJson('{"constructor":{"prototype":{"polluted":true}}}'),
    new RawJson('{"a":1,"a":2}'),
  ),
  fc
    .constantFrom(100, 1_000, 10_000, 100_000)
    .chain((depth) => fc.constantFrom(deepArray(depth), deepObject(depth), deepSchema(depth))),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Whole bodies that are not a request at all. */
export const nastyBodyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", " ", "{", "[", "}", "nul", "null", "true", "1e999", '"text"', "[]", "{}{}", '{"a":1}garbage'),
  fc.constantFrom(100, 10_000, 100_000).map((depth) => deepArray(depth).text),
  fc.string({ unit: "binary", maxLength: 50 }),
);

/** JSON text of a value holding RawJson parts. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (!(v instanceof RawJson)) return v;
    raws.push(v.text);
    return `@@RAW${raws.length - 1}@@`;
  });
  if (text === undefined) return "";
  return text.replace(/"@@RAW(\d+)@@"/g, (_, i: string) => raws[Number(i)] ?? "null");
}

/** Every path to a value inside `value` (object keys and array indexes), the root excluded. */
export function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== "object" || value === null || value instanceof RawJson) return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

/** A copy of `value` with the thing at `path` replaced (or removed when `replacement` is `REMOVE`). */
export function withAt(value: unknown, path: ReadonlyArray<string | number>, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...Array<string | number>];
  if (Array.isArray(value)) {
    const copy = [...value];
    if (replacement === REMOVE && rest.length === 0) copy.splice(Number(head), 1);
    else copy[Number(head)] = withAt(copy[Number(head)], rest, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (replacement === REMOVE && rest.length === 0) delete copy[head];
  else copy[head] = withAt(copy[head], rest, replacement);
  return copy;
}

export const REMOVE = Symbol("remove");
