/**
 * TopicLog: the append-only, segmented, crash-safe log of one reliable topic.
 *
 * Files (all in `dir`, which the log owns):
 *   00000000000000000000.log, 00000000000000001234.log, ...   segment files, named after the
 *   offset of their first record (20 zero-padded decimal digits), so sorting names sorts offsets.
 * Each segment is a concatenation of records: [crc32 u32][magic 0xDB][version 1][flags u16 = 0]
 * [offset u64][length u32][payload], little-endian, the CRC covering everything after itself
 * (see record-format.ts). Offsets are contiguous across segments.
 *
 * Writes are group-committed (group-commit.ts): appends that arrive while a write+fsync is in
 * progress are encoded into one buffer and made durable by the next single write and fdatasync. An append resolves,
 * and committedOffset moves past it, only after that fdatasync. When the active segment has
 * reached segmentBytes the next batch starts a new segment (the directory is fsynced).
 *
 * Reads use a small in-memory cache of the newest committed records, else the segment's sparse
 * offset index to seek close to the wanted record. Nothing at or past committedOffset is read.
 *
 * open() recovers (recovery.ts): every record of every segment is validated; only a torn tail of
 * the active segment is cut (after a copy to quarantine/), damaged records elsewhere are skipped
 * in place, and what cannot be served is reported in `recovery`. A high-water mark
 * (high-water.ts) keeps offsets from being reused after a loss.
 *
 * A failed write (a full disk) rejects its batch and everything queued behind it, undoes the
 * offsets they took and cuts the partial bytes: the next append retries on its own. Only when
 * that undo fails, or the error is EIO (an fsync failure leaves the file's state unknown), does
 * the log refuse appends until it is reopened (`failed`).
 *
 * The active segment's file is opened on demand, segment files read from are kept open
 * (read-handles.ts); idle ones may be closed to stay under the broker's open-file cap
 * (handle-pool.ts).
 */
import type { FileHandle } from "node:fs/promises";
import { open, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { BatchBuffer } from "./batch-buffer.ts";
import { ioError, StorageError } from "./errors.ts";
import { fsyncDir, writeFully, writeFullySync } from "./fs-sync.ts";
import { GroupCommit } from "./group-commit.ts";
import type { PooledFile } from "./handle-pool.ts";
import { HandlePool } from "./handle-pool.ts";
import { HIGH_WATER_RESERVE, writeHighWater } from "./high-water.ts";
import { ReadHandles } from "./read-handles.ts";
import type { LogRecord } from "./record-cache.ts";
import { RecordCache } from "./record-cache.ts";
import { encodeRecord, MAX_PAYLOAD_BYTES, RECORD_HEADER_BYTES } from "./record-format.ts";
import type { RecoveryReport } from "./recovery.ts";
import { recoverLog } from "./recovery.ts";
import type { Segment } from "./segment.ts";
import { createSegment } from "./segment.ts";
import { ResumePoints, readSegments } from "./segment-reader.ts";
import type { ScanGap } from "./segment-scanner.ts";

export type { LogRecord } from "./record-cache.ts";
export type { LostRange, RecoveryReport } from "./recovery.ts";

/** The write call, replaceable so tests can inject failures (a full disk) without one. */
export type WriteFn = typeof writeFully;

export interface TopicLogOptions {
  /** Folder owned by this log (created if missing). */
  dir: string;
  /** Roll to a new segment file once the active one has reached this size; default 64 MiB. */
  segmentBytes?: number;
  /** Default true; false only for tests and benchmarks that opt out of durability. */
  fsync?: boolean;
  /**
   * Newest committed records kept in memory for reads; default 64. Enough for a consumer at the
   * tail, which reads each batch as it commits. Kept small on purpose: a record held past a
   * young-generation collection is promoted, and promoted buffers are freed only by a full
   * collection. With 1,024 the broker ran 29 full collections in 40 s at 1,000 msgs/s, with 64
   * it ran 3 (docs/benchmarks.md, "The latency tail, traced: what starts V8's full
   * collections").
   */
  cacheRecords?: number;
  /** Payload bytes the read cache may hold; default 1 MiB. */
  cacheBytes?: number;
  /**
   * Shared cap on open segment files (the active one for writing, a few for reading); default: a
   * private pool of 3.
   */
  handles?: HandlePool;
  /** Called when a read meets damaged records and skips them (rate-limit it: reads may repeat). */
  onDamage?: (gap: ScanGap, path: string) => void;
  /** Called after each group commit with its write+fdatasync duration (seconds) and record count. */
  onBatchCommitted?: (seconds: number, records: number) => void;
  /** Test seam: the function that writes batches. */
  write?: WriteFn;
}

/** Counters since open(). */
export interface TopicLogStats {
  /** Batches written and made durable: one write + one fdatasync each. */
  commits: number;
  /** Records made durable. */
  records: number;
  /** Bytes written (headers included). */
  bytes: number;
  /** Segment files in the log. */
  segments: number;
  /** Offsets skipped by reads because their records were damaged (counted per read). */
  skippedRecords: number;
  /** Writes that failed (each rejected its batch; the log retried with the next one). */
  failedWrites: number;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/**
 * Batches up to this size are written with a synchronous write on the event loop: a copy into
 * the page cache costs less CPU than handing the write to the thread pool and back (only the
 * fdatasync waits for the disk, on the thread pool). Larger batches are written asynchronously.
 */
const SYNC_WRITE_BYTES = 1024 * 1024;
/** A durable batch buffer larger than this is kept for reuse only while batches stay near its size. */
const SPARE_MAX_BYTES = 4 * 1024 * 1024;

/** Appends waiting for the next write+fsync, already encoded into one buffer. */
class Batch {
  readonly buffer: BatchBuffer;
  readonly positions: number[] = [];
  /** Offset of the first record; the batch's records have consecutive offsets. */
  readonly firstOffset: bigint;
  /** performance.now() when its write started. */
  started = 0;
  /** Settles when the batch is durable (resolves) or will never be (rejects): one promise for all its appends. */
  readonly durable: Promise<void>;
  readonly settle: { resolve: () => void; reject: (error: Error) => void };
  /**
   * The callers' payloads, in order: the read cache keeps these (not views into `buffer`), so the
   * buffer can be reused by a later batch once this one is durable.
   */
  readonly payloads: Uint8Array[] = [];

  /**
   * `buffer`: a previous batch's buffer, emptied, or a new one of `initialBytes` (the first
   * record's size or the previous batch's, whichever is larger). No larger floor: a batch of one
   * small record (a low send rate) comes from Node's shared buffer pool instead of a fresh 16 KiB
   * ArrayBuffer per commit, whose external memory made V8 run a full mark-compact about every
   * 0.5 s at 1,000 sends/s.
   */
  constructor(firstOffset: bigint, buffer: BatchBuffer) {
    this.firstOffset = firstOffset;
    this.buffer = buffer;
    let settle!: Batch["settle"];
    this.durable = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.settle = settle;
  }

  get count(): number {
    return this.positions.length;
  }
}

export class TopicLog implements PooledFile {
  private next: bigint;
  private committed: bigint;
  private readonly commits: GroupCommit<Batch>;
  private closing: Promise<void> | undefined;
  private handle: FileHandle | undefined;
  private writing = false;
  /** No offset at or above this was handed out; raised (durably) before commits pass it. */
  private reserved: bigint;
  /** The high-water file does not say "clean stop at `next`": close() must write it. */
  private markDirty = true;
  private readonly cache: RecordCache;
  private readonly listeners = new Set<(committedOffset: bigint) => void>();
  private readonly reads = new Set<Promise<unknown>>();
  /** Where recent disk reads ended, so sequential readers continue without re-validating. */
  private readonly resume = new ResumePoints();
  /** Segment files kept open for reading. */
  private readonly files: ReadHandles;
  private readonly counters = { commits: 0, records: 0, bytes: 0, skippedRecords: 0, failedWrites: 0 };
  /**
   * Bytes of the latest batch: the next one starts with room for as much, so a steady stream of
   * batches rarely grows (copies) its buffer.
   */
  private lastBatchBytes = 0;
  /** A durable batch's buffer, kept for the next batch (batchBuffer()). */
  private spare: BatchBuffer | undefined;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly fsync: boolean,
    private readonly segments: Segment[],
    readonly recovery: RecoveryReport,
    cache: RecordCache,
    private readonly handles: HandlePool,
    private readonly options: TopicLogOptions,
  ) {
    this.next = segments[segments.length - 1].endOffset;
    this.committed = this.next;
    this.reserved = this.next;
    this.cache = cache;
    this.files = new ReadHandles(handles);
    this.commits = new GroupCommit<Batch>({
      describe: `topic log ${dir}`,
      write: (batch) => this.writeBatch(batch),
      commit: (batch) => this.commit(batch),
      reject: (batch, error) => {
        // Give the offsets back: the next append takes the first one not durable.
        this.next = this.committed;
        batch.settle.reject(error);
      },
      cutPartialWrite: () => this.cutPartialWrite(),
      onWriteFailed: () => {
        this.counters.failedWrites++;
      },
    });
  }

  /** Opens (recovering) or creates the log in `options.dir`. */
  static async open(options: TopicLogOptions): Promise<TopicLog> {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= 0) {
      throw new StorageError(
        "INVALID_ARGUMENT",
        `segmentBytes must be a positive integer, got ${segmentBytes}`,
      );
    }
    const fsync = options.fsync ?? true;
    let recovered: Awaited<ReturnType<typeof recoverLog>>;
    try {
      recovered = await recoverLog(options.dir, fsync);
    } catch (error) {
      throw ioError(`opening topic log ${options.dir}`, error);
    }
    const cache = new RecordCache(options.cacheRecords ?? 64, options.cacheBytes ?? 1024 * 1024);
    const { segments, report } = recovered;
    const handles = options.handles ?? new HandlePool(3);
    const log = new TopicLog(options.dir, segmentBytes, fsync, segments, report, cache, handles, options);
    log.markDirty = !recovered.cleanMark;
    return log;
  }

  /** Offset the next append() will get (0n for a new log). */
  get nextOffset(): bigint {
    return this.next;
  }

  /** Every offset below this is durable; reads never go past it. */
  get committedOffset(): bigint {
    return this.committed;
  }

  /** Offset of the oldest record still in the log. */
  get startOffset(): bigint {
    return this.segments[0].baseOffset;
  }

  /** Set when the log refuses every append until it is reopened (a write failed and could not be undone). */
  get failed(): Error | undefined {
    return this.commits.failed;
  }

  get stats(): TopicLogStats {
    return { ...this.counters, segments: this.segments.length };
  }

  /**
   * Assigns the next offset now (call order = offset order) and resolves with it once the record
   * is written and fsynced. The payload is encoded into the batch before this returns, and the
   * read cache keeps `payload` itself (handing it to readers): callers must not modify it later.
   */
  append(payload: Uint8Array): Promise<bigint> {
    const offset = this.next;
    return this.appendDurable(payload).then(() => offset);
  }

  /**
   * As {@link append}, without the offset: the promise settles when the record is durable, and is
   * the same for every append of one group commit (so callers can answer per batch).
   */
  appendDurable(payload: Uint8Array): Promise<void> {
    const refusal = this.commits.refusal();
    if (refusal) return Promise.reject(refusal);
    if (!(payload instanceof Uint8Array)) {
      return Promise.reject(new StorageError("INVALID_ARGUMENT", "append() takes a Uint8Array payload"));
    }
    if (payload.length > MAX_PAYLOAD_BYTES) {
      const message = `payload of ${payload.length} bytes exceeds the ${MAX_PAYLOAD_BYTES}-byte record limit`;
      return Promise.reject(new StorageError("TOO_LARGE", message));
    }
    const offset = this.next;
    this.next = offset + 1n;
    const bytes = RECORD_HEADER_BYTES + payload.length;
    const batch = this.commits.batch(() => new Batch(offset, this.batchBuffer(bytes)));
    const position = batch.buffer.reserve(bytes);
    encodeRecord(batch.buffer.bytes, position, offset, payload);
    batch.positions.push(position);
    batch.payloads.push(payload);
    return batch.durable;
  }

  /**
   * Committed records with offset >= fromOffset, in order: at most maxRecords, and at most
   * maxBytes of payload except that the first available record is always returned. [] at the tail.
   * Damaged records are skipped (counted in stats.skippedRecords, reported to onDamage): offsets
   * may then have gaps.
   */
  read(fromOffset: bigint, maxRecords: number, maxBytes = Number.POSITIVE_INFINITY): Promise<LogRecord[]> {
    if (this.closing) return Promise.reject(new StorageError("CLOSED", `topic log ${this.dir} is closed`));
    const upTo = this.committed;
    const from = fromOffset < this.startOffset ? this.startOffset : fromOffset;
    if (!(maxRecords >= 1) || from >= upTo) return Promise.resolve([]);
    if (this.cache.has(from)) {
      const out: LogRecord[] = [];
      this.cache.readInto(out, from, upTo, maxRecords, maxBytes, 0);
      return Promise.resolve(out);
    }
    const read = this.readFromDisk(from, upTo, maxRecords, maxBytes);
    this.reads.add(read);
    const forget = () => this.reads.delete(read);
    read.then(forget, forget);
    return read;
  }

  /** Calls `listener` with the new committedOffset after each group commit. Returns an unsubscribe function. */
  onCommit(listener: (committedOffset: bigint) => void): () => void {
    const entry = (offset: bigint) => listener(offset);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Waits for pending appends to be durable (or fail), then closes the files. Later appends reject. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Closes the log and deletes its folder. */
  async destroy(): Promise<void> {
    try {
      await this.close();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
      if (this.fsync) await fsyncDir(dirname(this.dir)).catch(() => {});
    }
  }

  /** PooledFile: a write is using the active segment's handle. */
  get busy(): boolean {
    return this.writing;
  }

  /** PooledFile: closes the active segment's handle (reopened by the next write). */
  async closeIdle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async shutdown(): Promise<void> {
    await this.commits.close();
    await Promise.allSettled([...this.reads]);
    await this.files.close();
    this.listeners.clear();
    this.handles.release(this);
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
    if (!this.commits.failed && this.markDirty) {
      // A clean stop records the exact next offset: a log found shorter at the next open lost records.
      const activeBase = this.segments[this.segments.length - 1].baseOffset;
      await writeHighWater(this.dir, { mark: this.next, activeBase, clean: true }, this.fsync).catch(
        () => {},
      );
    }
  }

  private async activeHandle(): Promise<FileHandle> {
    if (!this.handle) this.handle = await open(this.segments[this.segments.length - 1].path, "r+");
    this.handles.touch(this);
    return this.handle;
  }

  private async writeBatch(batch: Batch): Promise<void> {
    this.writing = true;
    batch.started = performance.now();
    try {
      await this.writeAndSync(batch);
    } finally {
      this.writing = false;
      this.handles.trim();
    }
  }

  private async writeAndSync(batch: Batch): Promise<void> {
    let segment = this.segments[this.segments.length - 1];
    const end = batch.firstOffset + BigInt(batch.count);
    const roll = segment.size >= this.segmentBytes && segment.records > 0;
    if (end > this.reserved || roll) {
      const reserved = end + HIGH_WATER_RESERVE;
      const activeBase = roll ? batch.firstOffset : segment.baseOffset;
      this.markDirty = true;
      await writeHighWater(this.dir, { mark: reserved, activeBase, clean: false }, this.fsync);
      this.reserved = reserved;
    }
    if (roll) {
      const created = await createSegment(this.dir, batch.firstOffset, this.fsync);
      const previous = this.handle;
      this.handle = created.handle;
      this.segments.push(created.segment);
      segment = created.segment;
      await previous?.close();
    }
    const handle = await this.activeHandle();
    const { bytes, length } = batch.buffer;
    if (this.options.write !== undefined) await this.options.write(handle, bytes, length, segment.size);
    else if (length <= SYNC_WRITE_BYTES) writeFullySync(handle.fd, bytes, length, segment.size);
    else await writeFully(handle, bytes, length, segment.size);
    if (this.fsync) await handle.datasync();
  }

  /**
   * The buffer for a new batch whose first record takes `bytes`: the spare one when it is large
   * enough, else a new one. Reusing it keeps the group commit from allocating an ArrayBuffer per
   * batch (external memory that V8 frees only in a full collection once promoted).
   */
  private batchBuffer(bytes: number): BatchBuffer {
    const spare = this.spare;
    this.spare = undefined;
    const want = Math.max(bytes, this.lastBatchBytes);
    if (spare !== undefined && spare.bytes.length >= want) return spare;
    return new BatchBuffer(want);
  }

  /** A durable batch's buffer becomes the spare, unless it grew far beyond recent batches. */
  private recycle(buffer: BatchBuffer): void {
    if (buffer.bytes.length > SPARE_MAX_BYTES && buffer.bytes.length > 2 * this.lastBatchBytes) return;
    buffer.length = 0;
    this.spare = buffer;
  }

  /** The batch is durable: index it, cache it, advance committedOffset, resolve, notify. */
  private commit(batch: Batch): void {
    const segment = this.segments[this.segments.length - 1];
    const base = segment.size;
    const { positions, payloads, firstOffset } = batch;
    const count = positions.length;
    let offset = firstOffset;
    for (let i = 0; i < count; i++, offset++) {
      const position = positions[i];
      const end = i + 1 < count ? positions[i + 1] : batch.buffer.length;
      segment.addRecord(base + position, end - position, offset);
      this.cache.push(offset, payloads[i]);
    }
    this.committed = offset;
    this.counters.commits++;
    this.counters.records += count;
    this.counters.bytes += batch.buffer.length;
    this.lastBatchBytes = batch.buffer.length;
    this.recycle(batch.buffer);
    batch.settle.resolve();
    this.options.onBatchCommitted?.((performance.now() - batch.started) / 1000, count);
    for (const listener of this.listeners) {
      try {
        listener(this.committed);
      } catch {
        // A listener's failure must not affect the log or the other listeners.
      }
    }
  }

  /** After a failed write: cut whatever part of the batch reached the file. */
  private async cutPartialWrite(): Promise<void> {
    const segment = this.segments[this.segments.length - 1];
    const handle = await this.activeHandle();
    await handle.truncate(segment.size);
    if (this.fsync) await handle.datasync();
  }

  private readFromDisk(
    from: bigint,
    upTo: bigint,
    maxRecords: number,
    maxBytes: number,
  ): Promise<LogRecord[]> {
    const onSkip = (gap: ScanGap, count: number, path: string) => {
      this.counters.skippedRecords += count;
      this.options.onDamage?.(gap, path);
    };
    const range = { from, upTo, maxRecords, maxBytes };
    return readSegments(this.segments, this.cache, this.dir, range, onSkip, this.files, this.resume);
  }
}
