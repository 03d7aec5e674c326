/**
 * A number of bytes shared by the request bodies being read at once: each reserves its size before it is read and
 * gives it back when it is read (or failed). What cannot be reserved is refused, so many large bodies arriving
 * together cannot take the process's memory.
 */
export class ByteBudget {
  #inUse = 0;

  constructor(private readonly capacity: () => number) {}

  /** Reserves `bytes`; the returned function gives them back (once). Undefined: not that much is free now. */
  tryReserve(bytes: number): (() => void) | undefined {
    if (this.#inUse + bytes > this.capacity()) return undefined;
    this.#inUse += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse -= bytes;
    };
  }

  get inUse(): number {
    return this.#inUse;
  }
}
