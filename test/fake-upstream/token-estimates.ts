/** Deterministic stand-in for a tokenizer: one token per four characters, rounded up. */
export function estimatePromptTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Deterministic stand-in for generated tokens: one per whitespace-separated word. */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === "" ? 0 : trimmed.split(/\s+/).length;
}
