/**
 * The segment files a topic log keeps open for reading, so a reader going through a segment
 * opens it once instead of once per read. At most `maxIdle` stay open while no read uses them
 * (least recently used closed first); each counts in the broker's handle pool (handle-pool.ts),
 * which may close an idle one to stay under the open-file cap. Segment files are only deleted
 * with their log, after close() (POSIX would keep an unlinked file readable anyway).
 */
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import type { HandlePool, PooledFile } from "./handle-pool.ts";
import type { Segment } from "./segment.ts";

/** One open segment file and the reads using it. */
class OpenSegment implements PooledFile {
  users = 0;
  closed = false;

  constructor(
    private readonly owner: ReadHandles,
    readonly segment: Segment,
    readonly handle: Promise<FileHandle>,
  ) {}

  get busy(): boolean {
    return this.users > 0;
  }

  /** PooledFile: the pool closes it (only while no read uses it). */
  closeIdle(): Promise<void> {
    return this.owner.forget(this);
  }
}

export class ReadHandles {
  /** Insertion order = least recently used first. */
  private readonly files = new Map<Segment, OpenSegment>();
  private closed = false;

  constructor(
    private readonly pool: HandlePool,
    private readonly maxIdle = 2,
  ) {}

  /** Runs `read` with the segment's open file (opened on first use). */
  async use<T>(segment: Segment, read: (handle: FileHandle) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error("the log's read handles are closed");
    let file = this.files.get(segment);
    if (file) this.files.delete(segment);
    else {
      file = new OpenSegment(this, segment, open(segment.path, "r"));
      // A failed open is not kept: the next read tries again.
      file.handle.catch(() => this.forget(file!));
    }
    this.files.set(segment, file);
    file.users++;
    this.pool.touch(file);
    try {
      return await read(await file.handle);
    } finally {
      file.users--;
      this.trim();
    }
  }

  /** Closes every file (the log is closing; no read runs any more). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.files.values()].map((file) => this.forget(file)));
  }

  /** Closes idle files beyond maxIdle, least recently used first. */
  private trim(): void {
    let idle = 0;
    for (const file of this.files.values()) if (!file.busy) idle++;
    for (const file of this.files.values()) {
      if (idle <= this.maxIdle) break;
      if (file.busy) continue;
      idle--;
      void this.forget(file).catch(() => {});
    }
  }

  /** Removes `file` and closes it. */
  async forget(file: OpenSegment): Promise<void> {
    if (file.closed) return;
    file.closed = true;
    if (this.files.get(file.segment) === file) this.files.delete(file.segment);
    this.pool.release(file);
    const handle = await file.handle.catch(() => undefined);
    await handle?.close();
  }
}
