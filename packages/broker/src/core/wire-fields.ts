/**
 * A walker over protobuf fields, for the few places that read encoded messages without the
 * generated decoders: publish frames (grpc/keep-received.ts) and stored messages
 * (core/stored-bytes.ts). It never reads outside [pos, end) and never throws: the first
 * malformation (a truncated or overlong varint, a length past the end, field number 0, a group)
 * sets `error`, saying what and at which byte, and stops the walk. Groups count as malformed:
 * callers leave such bytes to the generated decoders.
 */
export class WireFields {
  /** What was malformed, and where; once set, `more()` is false. */
  error: string | undefined;

  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    public end = bytes.length,
  ) {}

  /** Walks `[pos, end)` of the same bytes from now on, clearing any error. */
  reset(pos: number, end: number): this {
    this.pos = pos;
    this.end = end;
    this.error = undefined;
    return this;
  }

  more(): boolean {
    return this.error === undefined && this.pos < this.end;
  }

  /** The next tag (a varint of at most 32 bits, field number not 0), else -1 (and `error`). */
  tag(): number {
    const at = this.pos;
    // Most tags are one byte.
    const first = this.bytes[at];
    if (first !== undefined && first < 0x80 && at < this.end) {
      this.pos = at + 1;
      if (first >>> 3 === 0) return this.fail(`field number 0 at byte ${at}`);
      return first;
    }
    const tag = this.varint32();
    if (this.error !== undefined) return -1;
    if (tag >>> 3 === 0) return this.fail(`field number 0 at byte ${at}`);
    return tag;
  }

  /**
   * The next varint as a number (exact up to 2^53), else -1 (and `error`): lengths, and values a
   * caller only compares or skips.
   */
  varint(): number {
    const { bytes, end } = this;
    const at = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (at + i >= end) return this.fail(`truncated varint at byte ${at}`);
      const byte = bytes[at + i]!;
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) {
        this.pos = at + i + 1;
        return value;
      }
    }
    return this.fail(`varint longer than 10 bytes at byte ${at}`);
  }

  /**
   * The next varint as a uint64, else undefined (and `error`). Bits past the 64th of a 10-byte
   * varint are dropped, as the generated decoders drop them.
   */
  uint64(): bigint | undefined {
    const { bytes, end } = this;
    const at = this.pos;
    let low = 0; // bits 0-27
    let high = 0; // bits 28 and up (at most 42 of them: exact in a double)
    for (let i = 0; i < 10; i++) {
      if (at + i >= end) {
        this.fail(`truncated varint at byte ${at}`);
        return undefined;
      }
      const byte = bytes[at + i]!;
      if (i < 4) low |= (byte & 0x7f) << (7 * i);
      else high += (byte & 0x7f) * 2 ** (7 * (i - 4));
      if (byte < 0x80) {
        this.pos = at + i + 1;
        if (i < 4) return BigInt(low);
        const value = (BigInt(high) << 28n) | BigInt(low);
        return i === 9 ? BigInt.asUintN(64, value) : value;
      }
    }
    this.fail(`varint longer than 10 bytes at byte ${at}`);
    return undefined;
  }

  /**
   * Moves past the next length-delimited value and returns where it starts (it ends at `pos`),
   * else -1 (and `error`).
   */
  lengthDelimited(): number {
    const at = this.pos;
    const length = this.varint();
    if (length < 0) return -1;
    const start = this.pos;
    if (length > this.end - start) {
      return this.fail(`length ${length} at byte ${at} runs past the end (byte ${this.end})`);
    }
    this.pos = start + length;
    return start;
  }

  /** Moves past a value of `wireType`; false (and `error`) when malformed or a group. */
  skip(wireType: number): boolean {
    switch (wireType) {
      case 0:
        this.varint();
        break;
      case 1:
        this.fixed(8);
        break;
      case 2:
        this.lengthDelimited();
        break;
      case 5:
        this.fixed(4);
        break;
      default:
        this.fail(`wire type ${wireType} at byte ${this.pos}`);
    }
    return this.error === undefined;
  }

  private fixed(size: number): void {
    if (size > this.end - this.pos) {
      this.fail(`truncated ${size}-byte value at byte ${this.pos}`);
      return;
    }
    this.pos += size;
  }

  /** A varint of at most 32 bits (5 bytes), else -1 (and `error`). */
  private varint32(): number {
    const at = this.pos;
    const value = this.varint();
    if (value < 0) return -1;
    if (value > 0xffffffff || this.pos - at > 5) return this.fail(`tag longer than 32 bits at byte ${at}`);
    return value;
  }

  private fail(error: string): -1 {
    this.error ??= error;
    return -1;
  }
}
