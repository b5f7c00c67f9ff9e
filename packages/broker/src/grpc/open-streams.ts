// The long-lived danube-ts streams a broker has open, so that closing the broker can end each one
// cleanly (answers for what it already started, then UNAVAILABLE) instead of waiting for the
// gRPC server's forced shutdown.

export class OpenStreams {
  readonly #ends = new Set<() => void>();
  #closing = false;

  /** Registers a stream's end function; returns the function that unregisters it. */
  add(end: () => void): () => void {
    if (this.#closing) {
      queueMicrotask(end);
      return () => {};
    }
    this.#ends.add(end);
    return () => {
      this.#ends.delete(end);
    };
  }

  /** Ends every open stream (and every stream opened from now on). */
  endAll(): void {
    this.#closing = true;
    for (const end of [...this.#ends]) end();
    this.#ends.clear();
  }
}
