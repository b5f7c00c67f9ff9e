/**
 * Reading committed records of a topic log from its segment files (TopicLog.read() when the
 * wanted offset is not in the in-memory cache). Damaged records are skipped, never served.
 */
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { ioError, StorageError } from "./errors.ts";
import type { LogRecord, RecordCache } from "./record-cache.ts";
import type { Segment } from "./segment.ts";
import type { ScanGap } from "./segment-scanner.ts";
import { scanRecords } from "./segment-scanner.ts";

const READ_CHUNK_BYTES = 128 * 1024;
const byOffset = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

export interface ReadRange {
  from: bigint;
  /** The committed offset: nothing at or past it is read. */
  upTo: bigint;
  maxRecords: number;
  maxBytes: number;
}

/**
 * Committed records with offset >= from, in order, from the segments (and the cache once the
 * read reaches it). `onSkip` hears of damaged records in the range, with how many offsets.
 */
export async function readSegments(
  segments: Segment[],
  cache: RecordCache,
  dir: string,
  { from, upTo, maxRecords, maxBytes }: ReadRange,
  onSkip: (gap: ScanGap, count: number, path: string) => void,
): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let bytes = 0;
  let offset = from;
  let full = false;
  for (let i = segmentIndexOf(segments, from); i < segments.length && !full && offset < upTo; i++) {
    if (cache.has(offset)) {
      cache.readInto(out, offset, upTo, maxRecords, maxBytes, bytes);
      break;
    }
    const segment = segments[i];
    const entry = segment.lookup(offset);
    const wanted = offset;
    let handle: FileHandle;
    try {
      handle = await open(segment.path, "r");
    } catch (error) {
      throw ioError(`reading topic log ${dir}`, error);
    }
    try {
      const skip = (gap: ScanGap) => {
        const [first, last] = [
          [gap.fromOffset, wanted].sort(byOffset)[1],
          [gap.toOffset, upTo].sort(byOffset)[0],
        ];
        if (last <= first) return;
        onSkip(gap, Number(last - first), segment.path);
      };
      const result = await scanRecords(
        handle,
        entry.position,
        segment.size,
        entry.offset,
        (recordOffset, payload) => {
          if (recordOffset < wanted) return true;
          if (recordOffset >= upTo || (out.length > 0 && bytes + payload.length > maxBytes)) {
            full = true;
            return false;
          }
          out.push({ offset: recordOffset, payload });
          bytes += payload.length;
          offset = recordOffset + 1n;
          full = out.length >= maxRecords;
          return !full;
        },
        { chunkBytes: READ_CHUNK_BYTES, onGap: skip },
      );
      if (result.error !== undefined && !full) {
        // Damaged up to the segment's end: what is left of this segment cannot be served.
        const reason = result.error;
        skip({
          start: result.end,
          end: segment.size,
          fromOffset: result.nextOffset,
          toOffset: segment.endOffset,
          reason,
        });
      }
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw ioError(`reading topic log ${dir}`, error);
    } finally {
      await handle.close();
    }
    if (!full && i + 1 < segments.length) offset = segments[i + 1].baseOffset;
  }
  return out;
}

/** Index of the segment holding `offset` (the last segment whose base offset is <= offset). */
export function segmentIndexOf(segments: Segment[], offset: bigint): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid].baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
