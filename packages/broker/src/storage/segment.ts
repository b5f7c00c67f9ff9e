import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir } from "./fs-sync.ts";

const NAME_PATTERN = /^(\d{20})\.log$/;
/** A sparse index entry is added at least every this many records... */
const INDEX_EVERY_RECORDS = 64;
/** ...and at least every this many bytes, so a read scans at most about this much before its first record. */
const INDEX_EVERY_BYTES = 64 * 1024;

/** `00000000000000000042.log` for base offset 42. */
export function segmentFileName(baseOffset: bigint): string {
  return `${baseOffset.toString().padStart(20, "0")}.log`;
}

/** The base offset a segment file name encodes, or undefined if the name is not a segment's. */
export function parseSegmentFileName(name: string): bigint | undefined {
  const match = NAME_PATTERN.exec(name);
  return match ? BigInt(match[1]) : undefined;
}

/** A position in a segment file where the record with `offset` starts. */
export interface IndexEntry {
  offset: bigint;
  position: number;
}

/**
 * In-memory state of one segment file: its base offset, its valid (durable) records and bytes,
 * and a sparse offset -> file position index. Offsets increase within a segment; they are
 * contiguous unless damaged records were skipped (see recovery.ts), which leaves gaps.
 */
export class Segment {
  /** Durable bytes: records end here; anything beyond is not (yet) part of the log. */
  size = 0;
  /** Valid records in the segment. */
  records = 0;
  /** Offset the next record in this segment would have. */
  endOffset: bigint;
  // Sparse index, parallel arrays: offset relative to baseOffset, and its file position.
  private readonly indexRecord: number[] = [];
  private readonly indexPosition: number[] = [];
  private lastIndexedRecords = 0;

  constructor(
    readonly baseOffset: bigint,
    readonly path: string,
  ) {
    this.endOffset = baseOffset;
  }

  /** Accounts for the next valid record (`offset` >= endOffset), which starts at `position` and takes `bytes` bytes. */
  addRecord(position: number, bytes: number, offset: bigint = this.endOffset): void {
    const last = this.indexRecord.length - 1;
    if (
      last < 0 ||
      this.records - this.lastIndexedRecords >= INDEX_EVERY_RECORDS ||
      position - this.indexPosition[last] >= INDEX_EVERY_BYTES
    ) {
      this.indexRecord.push(Number(offset - this.baseOffset));
      this.indexPosition.push(position);
      this.lastIndexedRecords = this.records;
    }
    this.records++;
    this.endOffset = offset + 1n;
    this.size = position + bytes;
  }

  /** The indexed record nearest at or before `offset` (which must be within this segment). */
  lookup(offset: bigint): IndexEntry {
    const target = Number(offset - this.baseOffset);
    let lo = 0;
    let hi = this.indexRecord.length - 1;
    if (hi < 0 || target <= 0) return { offset: this.baseOffset, position: 0 };
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.indexRecord[mid] <= target) lo = mid;
      else hi = mid - 1;
    }
    return { offset: this.baseOffset + BigInt(this.indexRecord[lo]), position: this.indexPosition[lo] };
  }

  /** Number of sparse index entries (exposed for tests and diagnostics). */
  get indexEntries(): number {
    return this.indexRecord.length;
  }
}

/**
 * Creates the (empty) segment file for `baseOffset` and opens it for writing. Fails if the file
 * exists. The directory is fsynced so the new name survives a crash.
 */
export async function createSegment(
  dir: string,
  baseOffset: bigint,
  fsync: boolean,
): Promise<{ segment: Segment; handle: FileHandle }> {
  const segment = new Segment(baseOffset, join(dir, segmentFileName(baseOffset)));
  const handle = await open(segment.path, "wx+");
  try {
    if (fsync) await fsyncDir(dir);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return { segment, handle };
}
