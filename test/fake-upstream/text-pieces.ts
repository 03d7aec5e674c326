/** Splits text the way models stream it: each piece is a word with its leading whitespace. */
export function splitIntoWordPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/**
 * Splits text into at most `count` non-empty pieces of similar length, cutting anywhere,
 * even inside a JSON string or key, as real tool-argument streams do.
 */
export function splitIntoPieces(text: string, count: number): string[] {
  const pieceCount = Math.max(1, Math.min(Math.floor(count), text.length));
  const pieces: string[] = [];
  for (let i = 0; i < pieceCount; i++) {
    const start = Math.floor((text.length * i) / pieceCount);
    const end = Math.floor((text.length * (i + 1)) / pieceCount);
    if (end > start) pieces.push(text.slice(start, end));
  }
  return pieces;
}
