/**
 * The group-commit engine shared by TopicLog and MetadataStore: changes that arrive while a write
 * is in progress join one pending batch, which the next single write (+ fdatasync) makes durable.
 * A batch's waiters are answered only after its write has returned, so an acknowledgement always
 * follows the fsync.
 *
 * Failure handling, the same for both owners: a failed write rejects its batch and the batch
 * queued behind it (the owner undoes their in-memory effects) and cuts the partial bytes, so the
 * next change simply retries. When that cut fails, or the error is EIO (after a failed fsync the
 * file's state is unknown), the engine fails closed: every later batch is refused until the owner
 * is reopened.
 *
 * The owner keeps what a batch holds (bytes, waiters, undo information) and does the I/O; the
 * engine only decides when to write and what happens on failure.
 */
import { setImmediate as endOfTurn } from "node:timers/promises";
import { ioError, StorageError } from "./errors.ts";

/** What the owner of a group commit provides. */
export interface GroupCommitIo<B> {
  /** Writes `batch` and makes it durable (write + fdatasync). Throws when it failed. */
  write(batch: B): Promise<void>;
  /** `batch` is durable: answer its waiters. Must not throw. */
  commit(batch: B): void;
  /** `batch` will never be durable: undo its in-memory effects and reject its waiters with `error`. */
  reject(batch: B, error: StorageError): void;
  /** After a failed write: cut whatever part of it reached the file (truncate + fdatasync). */
  cutPartialWrite(): Promise<void>;
  /** Names the owner in messages ("topic log /data/t"). */
  readonly describe: string;
  /** Counts failed writes (stats), when given. */
  onWriteFailed?(error: StorageError): void;
}

export class GroupCommit<B> {
  private pending: B | undefined;
  private flushing: Promise<void> | undefined;
  private failure: StorageError | undefined;
  private closed = false;

  constructor(private readonly io: GroupCommitIo<B>) {}

  /** Set once the engine refuses every batch (a failed write could not be undone). */
  get failed(): StorageError | undefined {
    return this.failure;
  }

  /** Why a new change must be refused now (closed, or failed closed), else undefined. */
  refusal(): StorageError | undefined {
    if (this.closed) return new StorageError("CLOSED", `${this.io.describe} is closed`);
    if (this.failure) return this.refused(this.failure);
    return undefined;
  }

  /**
   * The batch new changes join: the pending one, or `create()`'s. Its write is scheduled; changes
   * made in the same event-loop turn join it.
   */
  batch(create: () => B): B {
    let batch = this.pending;
    if (batch === undefined) {
      batch = create();
      this.pending = batch;
    }
    this.flushing ??= this.flushLoop();
    return batch;
  }

  /** Resolves when no write is in progress or pending (every batch committed or rejected). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Refuses new changes from now on and waits for the pending ones to settle. */
  close(): Promise<void> {
    this.closed = true;
    return this.settled();
  }

  private refused(failure: StorageError): StorageError {
    const message = `${this.io.describe} refuses writes after a write that could not be undone: ${failure.message}`;
    return new StorageError("FAILED", message, { cause: failure });
  }

  private async flushLoop(): Promise<void> {
    // The first write waits for the end of this event-loop turn, not just this tick: the unary
    // calls one socket read brings in are handled in separate callbacks (microtasks run between
    // them), and with a microtask the first call was written alone and the rest a write later.
    await endOfTurn();
    while (this.pending !== undefined) {
      const batch = this.pending;
      this.pending = undefined;
      if (this.failure) {
        this.io.reject(batch, this.refused(this.failure));
        continue;
      }
      try {
        await this.io.write(batch);
      } catch (cause) {
        await this.undoFailedWrite(batch, cause);
        continue;
      }
      this.io.commit(batch);
    }
    this.flushing = undefined;
  }

  /**
   * A write failed: reject it and the batch queued behind it (newest first, so in-memory undo
   * restores the durable state), then cut the partial bytes. If the cut fails, or the failure was
   * EIO, fail closed.
   */
  private async undoFailedWrite(batch: B, cause: unknown): Promise<void> {
    const error = ioError(`writing to ${this.io.describe}`, cause);
    this.io.onWriteFailed?.(error);
    const queued = this.pending;
    this.pending = undefined;
    if (queued !== undefined) this.io.reject(queued, error);
    this.io.reject(batch, error);
    if ((cause as NodeJS.ErrnoException | undefined)?.code === "EIO") {
      this.failure = error;
      return;
    }
    try {
      await this.io.cutPartialWrite();
    } catch (undo) {
      this.failure = ioError(`${error.message}; undoing the partial write failed`, undo);
    }
  }
}
