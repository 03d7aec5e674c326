/** A size as the config writes it (bytes, or a number with b/kb/mb/gb, 1024-based) in bytes. */
export function toBytes(size: number | string): number {
  if (typeof size === "number") return size;
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i.exec(size.trim());
  if (!match) throw new Error(`not a size: '${size}' (write e.g. 512kb or 20mb)`);
  const unit = { b: 0, kb: 1, mb: 2, gb: 3 }[(match[2] ?? "b").toLowerCase() as "b" | "kb" | "mb" | "gb"];
  return Math.floor(Number(match[1]) * 1024 ** unit);
}
