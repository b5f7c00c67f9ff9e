/**
 * MetadataStore: a small durable key-value store for broker metadata (namespaces, topics,
 * subscriptions, schemas). All keys and values live in memory; every change is appended to a
 * CRC-protected journal and fsynced before its promise resolves. Concurrent changes are
 * group-committed (group-commit.ts, the engine the topic logs use): one write + one fdatasync per
 * batch.
 *
 * When the journal has grown past `compactionBytes` (and past the size of the last snapshot),
 * the next batch is written as a new snapshot instead: temp file, fsync, rename, fsync directory,
 * then a fresh journal. Formats: journal-format.ts; files and crash safety: metadata-files.ts.
 *
 * Values are JSON plus bigint and Uint8Array (value-codec.ts). get() and list() return the
 * stored copy, deep-frozen: build a new object and put() it to change a value.
 *
 * A failed write (a full disk) rejects its batch and every change queued behind it and undoes
 * them in memory (get() shows the durable state again); the partial bytes are cut and the next
 * change simply retries. Only when that cut fails (or on EIO) does the store refuse writes until
 * it is reopened.
 */
import type { FileHandle } from "node:fs/promises";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { BatchBuffer } from "./batch-buffer.ts";
import { ioError, StorageError } from "./errors.ts";
import { writeFully } from "./fs-sync.ts";
import { GroupCommit } from "./group-commit.ts";
import type { JournalOp } from "./journal-format.ts";
import {
  encodeJournalEntry,
  journalFileName,
  OP_DELETE,
  OP_DELETE_PREFIX,
  OP_PUT,
} from "./journal-format.ts";
import type { MetadataMap, MetadataRecoveryReport, StoredValue } from "./metadata-files.ts";
import { compareKeys, loadMetadata, snapshotText, storedValue, writeSnapshot } from "./metadata-files.ts";
import type { TaggedJson } from "./value-codec.ts";
import { encodeValue } from "./value-codec.ts";

export type { MetadataRecoveryReport } from "./metadata-files.ts";

export interface MetadataStoreOptions {
  /** Compact the journal into a snapshot once it exceeds this many bytes; default 4 MiB. */
  compactionBytes?: number;
  /** Default true; false only for tests and benchmarks that opt out of durability. */
  fsync?: boolean;
  /** Start even when the journal has damage followed by valid entries (see loadMetadata). */
  repair?: boolean;
  /** Test seam: the function that writes journal batches. */
  write?: typeof writeFully;
}

/** Counters since open(). */
export interface MetadataStoreStats {
  /** Batches made durable (journal writes plus compactions). */
  commits: number;
  /** Batches that were written as a snapshot. */
  compactions: number;
  /** Current journal size. */
  journalBytes: number;
  /** Writes that failed (their changes were rejected and undone). */
  failedWrites: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** How to put one key back as it was before a change that failed to become durable. */
type Undo = [key: string, previous: StoredValue | undefined];

interface Batch {
  buffer: BatchBuffer;
  waiters: Waiter[];
  undo: Undo[];
}

const DEFAULT_COMPACTION_BYTES = 4 * 1024 * 1024;

export class MetadataStore {
  private readonly commits: GroupCommit<Batch>;
  private closing: Promise<void> | undefined;
  private readonly counters = { commits: 0, compactions: 0, failedWrites: 0 };

  private constructor(
    private readonly dir: string,
    private readonly fsync: boolean,
    private readonly compactionBytes: number,
    private readonly entries: MetadataMap,
    private generation: bigint,
    private journal: FileHandle,
    private journalBytes: number,
    private snapshotBytes: number,
    readonly recovery: MetadataRecoveryReport,
    private readonly write: typeof writeFully,
  ) {
    this.commits = new GroupCommit<Batch>({
      describe: `metadata store ${dir}`,
      write: (batch) => this.writeBatch(batch),
      commit: (batch) => {
        this.counters.commits++;
        for (const waiter of batch.waiters) waiter.resolve();
      },
      reject: (batch, error) => this.undo(batch, error),
      cutPartialWrite: async () => {
        await this.journal.truncate(this.journalBytes);
        if (this.fsync) await this.journal.datasync();
      },
      onWriteFailed: () => {
        this.counters.failedWrites++;
      },
    });
  }

  /** Opens (replaying snapshot and journal) or creates the store in `dir`. */
  static async open(dir: string, options: MetadataStoreOptions = {}): Promise<MetadataStore> {
    const fsync = options.fsync ?? true;
    const compactionBytes = options.compactionBytes ?? DEFAULT_COMPACTION_BYTES;
    try {
      const loaded = await loadMetadata(dir, fsync, options.repair ?? false);
      const store = new MetadataStore(
        dir,
        fsync,
        compactionBytes,
        loaded.entries,
        loaded.generation,
        loaded.journal,
        loaded.journalBytes,
        loaded.snapshotBytes,
        loaded.report,
        options.write ?? writeFully,
      );
      if (loaded.needsCompaction) await store.compact(); // a repaired state becomes a clean snapshot
      return store;
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw ioError(`opening metadata store ${dir}`, error);
    }
  }

  get stats(): MetadataStoreStats {
    return { ...this.counters, journalBytes: this.journalBytes };
  }

  /** The current value (deep-frozen), including changes whose put() has not resolved yet. */
  get<T = unknown>(key: string): T | undefined {
    return this.entries.get(key)?.value as T | undefined;
  }

  /** Entries whose key starts with `prefix`, sorted by key (UTF-16 code unit order). */
  list<T = unknown>(prefix: string): Array<[key: string, value: T]> {
    const out: Array<[string, T]> = [];
    for (const [key, stored] of this.entries) if (key.startsWith(prefix)) out.push([key, stored.value as T]);
    return out.sort((a, b) => compareKeys(a[0], b[0]));
  }

  /** Sets `key` in memory now; resolves once the change is durable. */
  put(key: string, value: unknown): Promise<void> {
    const refusal = this.refusal(key);
    if (refusal) return Promise.reject(refusal);
    let tagged: TaggedJson;
    try {
      tagged = encodeValue(value);
    } catch (error) {
      const message = `cannot store ${key}: ${(error as Error).message}`;
      return Promise.reject(new StorageError("INVALID_ARGUMENT", message, { cause: error }));
    }
    const stored = storedValue(tagged);
    const undo: Undo[] = [[key, this.entries.get(key)]];
    this.entries.set(key, stored);
    return this.enqueue(OP_PUT, `[${JSON.stringify(key)},${stored.json}]`, undo);
  }

  delete(key: string): Promise<void> {
    const refusal = this.refusal(key);
    if (refusal) return Promise.reject(refusal);
    const undo: Undo[] = [[key, this.entries.get(key)]];
    this.entries.delete(key);
    return this.enqueue(OP_DELETE, JSON.stringify(key), undo);
  }

  /** Deletes every key starting with `prefix` (all keys for ""). */
  deletePrefix(prefix: string): Promise<void> {
    const refusal = this.refusal(prefix);
    if (refusal) return Promise.reject(refusal);
    const undo: Undo[] = [];
    for (const [key, value] of [...this.entries]) {
      if (!key.startsWith(prefix)) continue;
      undo.push([key, value]);
      this.entries.delete(key);
    }
    return this.enqueue(OP_DELETE_PREFIX, JSON.stringify(prefix), undo);
  }

  /** Waits for pending changes to be durable (or fail), then closes the journal. get() and list() keep working. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private refusal(key: unknown): StorageError | undefined {
    const refusal = this.commits.refusal();
    if (refusal) return refusal;
    if (typeof key !== "string") return new StorageError("INVALID_ARGUMENT", "keys must be strings");
    return undefined;
  }

  private enqueue(op: JournalOp, text: string, undo: Undo[]): Promise<void> {
    const batch = this.commits.batch(() => ({ buffer: new BatchBuffer(4096), waiters: [], undo: [] }));
    encodeJournalEntry(batch.buffer, op, text);
    batch.undo.push(...undo);
    const promise = new Promise<void>((resolve, reject) => {
      batch.waiters.push({ resolve, reject });
    });
    return promise;
  }

  private async shutdown(): Promise<void> {
    await this.commits.close();
    await this.journal.close();
  }

  /**
   * Writes one batch: appended to the journal, or, once the journal has outgrown its threshold,
   * as a new snapshot of the whole state (which includes the batch; see compact()).
   */
  private async writeBatch(batch: Batch): Promise<void> {
    const threshold = Math.max(this.compactionBytes, this.snapshotBytes);
    if (this.journalBytes + batch.buffer.length > threshold) await this.compact();
    else await this.appendToJournal(batch.buffer);
  }

  private async appendToJournal(buffer: BatchBuffer): Promise<void> {
    await this.write(this.journal, buffer.bytes, buffer.length, this.journalBytes);
    if (this.fsync) await this.journal.datasync();
    this.journalBytes += buffer.length;
  }

  /**
   * Writes the in-memory state as the next snapshot. Called with the batch just taken from
   * `pending`, before any await: memory then holds exactly the durable state plus that batch,
   * so the snapshot makes the batch durable and its journal entries are not needed.
   */
  async compact(): Promise<void> {
    const text = snapshotText(this.entries);
    const generation = this.generation + 1n;
    const { journal, snapshotBytes } = await writeSnapshot(this.dir, generation, text, this.fsync);
    const oldJournal = this.journal;
    const oldPath = join(this.dir, journalFileName(this.generation));
    this.journal = journal;
    this.generation = generation;
    this.journalBytes = 0;
    this.snapshotBytes = snapshotBytes;
    this.counters.compactions++;
    // Best effort: a stale journal is ignored and removed at the next open.
    await oldJournal.close().catch(() => {});
    await unlink(oldPath).catch(() => {});
  }

  /** Rejects a batch's changes and puts their keys back, newest change first. */
  private undo(batch: Batch, error: Error): void {
    for (let i = batch.undo.length - 1; i >= 0; i--) {
      const [key, previous] = batch.undo[i]!;
      if (previous === undefined) this.entries.delete(key);
      else this.entries.set(key, previous);
    }
    for (const waiter of batch.waiters) waiter.reject(error);
  }
}
