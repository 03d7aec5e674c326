/** The shape of a streamed answer the bench asks the fake upstream for, in the last user message. */
export interface BenchStream {
  /** Content pieces (OpenAI content deltas, Anthropic text deltas). */
  chunks: number;
  /** Pause between two events of the stream, like a model producing tokens. 0: as fast as the socket takes them. */
  intervalMs: number;
}

const PATTERN = /^bench-stream (\d+) every (\d+) ms$/;

export function benchStreamPrompt(shape: BenchStream): string {
  return `bench-stream ${shape.chunks} every ${shape.intervalMs} ms`;
}

export function benchStreamRequest(text: string | undefined): BenchStream | undefined {
  const match = text === undefined ? null : PATTERN.exec(text);
  return match ? { chunks: Number(match[1]), intervalMs: Number(match[2]) } : undefined;
}
