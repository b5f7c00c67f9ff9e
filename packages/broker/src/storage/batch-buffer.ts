/**
 * A growable byte buffer that one group-commit batch is encoded into, so a batch is written with
 * a single write call. Capacity doubles as needed; only `bytes[0, length)` is meaningful.
 */
export class BatchBuffer {
  bytes: Buffer;
  length = 0;

  constructor(initialBytes: number) {
    this.bytes = Buffer.allocUnsafe(initialBytes);
  }

  /** Reserves `n` bytes at the end and returns their position. May replace `bytes`: read it after. */
  reserve(n: number): number {
    const pos = this.length;
    const needed = pos + n;
    if (needed > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, pos);
      this.bytes = grown;
    }
    this.length = needed;
    return pos;
  }
}
