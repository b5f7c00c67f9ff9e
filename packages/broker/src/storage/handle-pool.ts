/**
 * A cap on the segment files the topic logs of one broker keep open. One open file per reliable
 * topic does not scale past the process's open-file limit (RLIMIT_NOFILE), so each log opens its
 * active segment (and the segments it reads, read-handles.ts) on demand and the least recently
 * used idle ones are closed when the cap is reached. Also reads the open-file limit (Linux /proc/self/limits; Node has no getrlimit).
 */
import { readFile } from "node:fs/promises";

/** A holder of one pooled file handle (a topic log's active segment, or a segment read from). */
export interface PooledFile {
  /** True while the handle is in use (a write, a read): it is not closed then. */
  readonly busy: boolean;
  /** Closes the handle (called only when not busy). */
  closeIdle(): Promise<void>;
}

export class HandlePool {
  /** Insertion order = least recently used first. */
  private readonly holders = new Set<PooledFile>();
  private evictions = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`handle pool capacity must be a positive integer, got ${capacity}`);
    }
  }

  /** Handles currently open (counted by holder). */
  get size(): number {
    return this.holders.size;
  }

  /** Handles closed to stay under the cap, since creation. */
  get evicted(): number {
    return this.evictions;
  }

  /** `holder` has (just opened or used) its handle; closes idle least recently used ones past the cap. */
  touch(holder: PooledFile): void {
    this.holders.delete(holder);
    this.holders.add(holder);
    this.trim(holder);
  }

  /** Closes idle handles, least recently used first, until the pool is within its cap. */
  trim(keep?: PooledFile): void {
    if (this.holders.size <= this.capacity) return;
    for (const candidate of [...this.holders]) {
      if (this.holders.size <= this.capacity) break;
      if (candidate === keep || candidate.busy) continue;
      this.holders.delete(candidate);
      this.evictions++;
      void candidate.closeIdle().catch(() => {});
    }
  }

  /** `holder` closed its handle. */
  release(holder: PooledFile): void {
    this.holders.delete(holder);
  }
}

/** The soft open-file limit of this process, or undefined where it cannot be read. */
export async function openFileLimit(): Promise<number | undefined> {
  const text = await readFile("/proc/self/limits", "utf8").catch(() => undefined);
  const line = text?.split("\n").find((l) => l.startsWith("Max open files"));
  const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
  if (soft === undefined) return undefined;
  if (soft === "unlimited") return Number.POSITIVE_INFINITY;
  const value = Number.parseInt(soft, 10);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Segment handles a broker keeps open for a given open-file limit: a quarter of it (the rest is for sockets, reads, metadata). */
export function handleCapFor(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 4096;
  return Math.max(8, Math.floor(limit / 4));
}
