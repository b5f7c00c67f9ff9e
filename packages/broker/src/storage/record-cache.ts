/** A record as returned by TopicLog.read(). Treat `payload` as read-only: it may be shared. */
export interface LogRecord {
  offset: bigint;
  payload: Uint8Array;
}

/**
 * The most recent committed records, held in memory so consumers that keep up with producers
 * read without touching the disk. Offsets are contiguous: [firstOffset, endOffset).
 * Bounded by a record count and by payload bytes (at least one record is kept).
 */
const EMPTY = new Uint8Array(0);

export class RecordCache {
  private payloads: Uint8Array[] = [];
  private head = 0; // payloads[head] holds firstOffset
  private bytes = 0;
  private first = 0n;

  constructor(
    private readonly maxRecords: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.payloads.length - this.head;
  }

  get firstOffset(): bigint {
    return this.first;
  }

  get endOffset(): bigint {
    return this.first + BigInt(this.size);
  }

  /** Adds the record after the newest one; a record that does not continue the run starts afresh. */
  push(offset: bigint, payload: Uint8Array): void {
    if (this.maxRecords <= 0) return;
    if (this.size === 0 || offset !== this.endOffset) this.clear(offset);
    this.payloads.push(payload);
    this.bytes += payload.length;
    while (this.size > this.maxRecords || (this.bytes > this.maxBytes && this.size > 1)) {
      this.bytes -= this.payloads[this.head].length;
      this.payloads[this.head++] = EMPTY; // let the evicted payload go now, not at the next slice
      this.first++;
    }
    if (this.head > 1024 && this.head * 2 > this.payloads.length) {
      this.payloads = this.payloads.slice(this.head);
      this.head = 0;
    }
  }

  /** True if the record at `offset` is cached. */
  has(offset: bigint): boolean {
    return this.size > 0 && offset >= this.first && offset < this.endOffset;
  }

  /**
   * Appends cached records from `fromOffset` (which must be cached) to `out`, stopping before
   * `upTo`, after `maxRecords` records in `out`, or before exceeding `maxBytes` payload bytes
   * (`bytes` already taken); the first record of `out` is always taken. Returns the new byte total.
   */
  readInto(
    out: LogRecord[],
    fromOffset: bigint,
    upTo: bigint,
    maxRecords: number,
    maxBytes: number,
    bytes: number,
  ): number {
    let index = this.head + Number(fromOffset - this.first);
    let offset = fromOffset;
    const end = this.endOffset < upTo ? this.endOffset : upTo;
    while (offset < end && out.length < maxRecords) {
      const payload = this.payloads[index];
      if (out.length > 0 && bytes + payload.length > maxBytes) break;
      out.push({ offset, payload });
      bytes += payload.length;
      index++;
      offset++;
    }
    return bytes;
  }

  private clear(first: bigint): void {
    this.payloads = [];
    this.head = 0;
    this.bytes = 0;
    this.first = first;
  }
}
