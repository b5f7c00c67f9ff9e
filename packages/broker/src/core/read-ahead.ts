import type { LogRecord, TopicLog } from "../storage/index.ts";

/** Records read ahead of the window per subscription: one log read serves many acks. */
const READ_AHEAD_RECORDS = 1024;
const READ_AHEAD_BYTES = 1024 * 1024;

/** A subscription's records read from the log but not yet in its window. */
export class ReadAhead {
  private records: LogRecord[] = [];
  private index = 0;

  constructor(private readonly log: TopicLog) {}

  /**
   * The next committed records from `position`, at most `maxRecords`: served from the buffer,
   * which is refilled with one log read of up to READ_AHEAD_RECORDS records (at most `maxBytes`,
   * the window's byte room, and READ_AHEAD_BYTES). Without an active consumer only what the
   * window takes is read: nothing is held ahead. Call {@link advance} with the position reached.
   */
  async next(position: bigint, maxRecords: number, maxBytes: number, active: boolean): Promise<LogRecord[]> {
    let buffered = this.records;
    let index = this.index;
    while (index < buffered.length && buffered[index]!.offset < position) index++;
    if (index >= buffered.length || buffered[index]!.offset !== position) {
      const want = active ? Math.max(maxRecords, READ_AHEAD_RECORDS) : maxRecords;
      const bytes = Math.max(1, active ? Math.min(maxBytes, READ_AHEAD_BYTES) : maxBytes);
      buffered = await this.log.read(position, want, bytes);
      this.records = buffered;
      index = 0;
    }
    // The buffer keeps what was handed out: the caller may take only some of it (the window's
    // byte room), and says how far it got with `advance`.
    this.index = index;
    return buffered.slice(index, Math.min(buffered.length, index + maxRecords));
  }

  /** The caller took the records before `position`: they are dropped (the buffer once it is spent). */
  advance(position: bigint): void {
    const buffered = this.records;
    let index = this.index;
    while (index < buffered.length && buffered[index]!.offset < position) index++;
    if (index >= buffered.length) this.clear();
    else this.index = index;
  }

  clear(): void {
    this.records = [];
    this.index = 0;
  }
}
