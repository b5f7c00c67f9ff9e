/**
 * Reading committed records of a topic log from its segment files (TopicLog.read() when the
 * wanted offset is not in the in-memory cache). Damaged records are skipped, never served.
 *
 * A read goes through the log's open segment file (read-handles.ts), reads it in chunks and
 * checks each record's CRC once. A sequential reader (a subscription reading on) resumes at the
 * file position where its previous read ended (`ResumePoints`), instead of re-validating records
 * from the nearest index entry. Chunks are read into a few buffers kept for reuse (a new buffer
 * per chunk costs page faults and GC; see MAX_BUFFERS); each payload is copied out into a 16 KiB slab shared with its
 * neighbours (or a buffer of its own when larger), so a record held in a subscription's window
 * pins at most that much, never a read buffer.
 */
import type { FileHandle } from "node:fs/promises";
import { ioError, StorageError } from "./errors.ts";
import type { ReadHandles } from "./read-handles.ts";
import type { LogRecord, RecordCache } from "./record-cache.ts";
import type { Segment } from "./segment.ts";
import type { ScanGap } from "./segment-scanner.ts";
import { scanRecords } from "./segment-scanner.ts";

/** Chunk size: a read-ahead of 1 MiB of payload (core/read-ahead.ts) takes one chunk. */
const READ_CHUNK_BYTES = 1024 * 1024 + 64 * 1024;
/**
 * At most this many chunk buffers exist, shared by all logs and kept for reuse; reads beyond
 * that many at once read in chunks of SMALL_CHUNK_BYTES into buffers of their own, so many
 * subscriptions reading at once do not hold a chunk buffer each.
 */
const MAX_BUFFERS = 4;
const SMALL_CHUNK_BYTES = 128 * 1024;
const spare: Buffer[] = [];
let lent = 0;

function takeBuffer(): Buffer {
  const buffer = spare.pop();
  if (buffer !== undefined) {
    lent++;
    return buffer;
  }
  if (lent < MAX_BUFFERS) {
    lent++;
    return Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
  }
  return Buffer.allocUnsafeSlow(SMALL_CHUNK_BYTES);
}

function giveBack(buffer: Buffer): void {
  if (buffer.length !== READ_CHUNK_BYTES) return;
  lent--;
  spare.push(buffer);
}
const byOffset = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** Where recent reads ended: offset -> file position of that offset's record. Bounded. */
export class ResumePoints {
  private readonly points = new Map<bigint, { segment: Segment; position: number }>();

  constructor(private readonly capacity = 64) {}

  get(segment: Segment, offset: bigint): number | undefined {
    const point = this.points.get(offset);
    return point?.segment === segment ? point.position : undefined;
  }

  set(segment: Segment, offset: bigint, position: number): void {
    this.points.delete(offset);
    this.points.set(offset, { segment, position });
    if (this.points.size > this.capacity) {
      for (const oldest of this.points.keys()) {
        this.points.delete(oldest);
        break;
      }
    }
  }
}

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
  range: ReadRange,
  onSkip: (gap: ScanGap, count: number, path: string) => void,
  files: ReadHandles,
  resume?: ResumePoints,
): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const buffer = takeBuffer();
  try {
    await readInto(out, buffer, segments, cache, dir, range, onSkip, files, resume);
  } finally {
    giveBack(buffer);
  }
  return out;
}

async function readInto(
  out: LogRecord[],
  buffer: Buffer,
  segments: Segment[],
  cache: RecordCache,
  dir: string,
  { from, upTo, maxRecords, maxBytes }: ReadRange,
  onSkip: (gap: ScanGap, count: number, path: string) => void,
  files: ReadHandles,
  resume: ResumePoints | undefined,
): Promise<void> {
  let bytes = 0;
  let offset = from;
  let full = false;
  for (let i = segmentIndexOf(segments, from); i < segments.length && !full && offset < upTo; i++) {
    if (cache.has(offset)) {
      cache.readInto(out, offset, upTo, maxRecords, maxBytes, bytes);
      break;
    }
    const segment = segments[i];
    const resumeAt = resume?.get(segment, offset);
    const entry = resumeAt !== undefined ? { offset, position: resumeAt } : segment.lookup(offset);
    const wanted = offset;
    let endPosition = -1;
    const scan = async (handle: FileHandle) => {
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
        (recordOffset, payload, position, recordBytes) => {
          if (recordOffset < wanted) return true;
          if (recordOffset >= upTo || (out.length > 0 && bytes + payload.length > maxBytes)) {
            full = true;
            return false;
          }
          out.push({ offset: recordOffset, payload: copyPayload(payload) });
          bytes += payload.length;
          offset = recordOffset + 1n;
          endPosition = position + recordBytes;
          full = out.length >= maxRecords;
          return !full;
        },
        { chunkBytes: buffer.length, onGap: skip, buffer },
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
      if (resume && endPosition >= 0 && endPosition < segment.size) resume.set(segment, offset, endPosition);
    };
    try {
      await files.use(segment, scan);
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw ioError(`reading topic log ${dir}`, error);
    }
    if (!full && i + 1 < segments.length) offset = segments[i + 1].baseOffset;
  }
}

/** Payloads up to half this size are copied into shared slabs of it; larger ones get their own buffer. */
const SLAB_BYTES = 16 * 1024;
let slab = new ArrayBuffer(0);
let slabUsed = 0;

/** A copy of `payload` (a view into the read buffer, which the next chunk overwrites). */
function copyPayload(payload: Uint8Array): Uint8Array {
  const length = payload.length;
  if (length > SLAB_BYTES / 2) return payload.slice();
  if (slabUsed + length > slab.byteLength) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES).buffer; // not zero-filled: every byte handed out is copied over
    slabUsed = 0;
  }
  const copy = new Uint8Array(slab, slabUsed, length);
  copy.set(payload);
  slabUsed += length;
  return copy;
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
