import type { FileHandle } from "node:fs/promises";
import { readFully } from "./fs-sync.ts";
import type { RecordHeader } from "./record-format.ts";
import {
  decodeRecord,
  describeRecordStatus,
  MAX_PAYLOAD_BYTES,
  RECORD_HEADER_BYTES,
  RECORD_MAGIC,
  RECORD_VERSION,
} from "./record-format.ts";

/**
 * Called for each valid record in order. `payload` is a view into a read buffer (no copy); with
 * {@link ScanOptions.buffer} it is valid only during the call. Return false to stop scanning after
 * this record.
 */
export type RecordVisitor = (offset: bigint, payload: Uint8Array, position: number, bytes: number) => boolean;

/** Damaged bytes skipped by a resyncing scan: file positions [start, end), offsets [fromOffset, toOffset) lost. */
export interface ScanGap {
  start: number;
  end: number;
  fromOffset: bigint;
  toOffset: bigint;
  reason: string;
}

export interface ScanResult {
  /** File position just after the last record visited: the valid prefix ends here. */
  end: number;
  /** Offset the next record would need to have. */
  nextOffset: bigint;
  /** Set when scanning stopped at an invalid or torn record (which starts at `end`) with no valid record after it. */
  error?: string;
}

export interface ScanOptions {
  chunkBytes?: number;
  /**
   * When set, a damaged record is not the end: the scan looks for the next valid record (magic,
   * length, CRC, offset >= the expected one), reports the bytes and offsets in between here and
   * goes on. Without it the scan stops at the first damaged or non-contiguous record.
   */
  onGap?: (gap: ScanGap) => void;
  /**
   * Chunks that fit are read into this buffer, again and again, instead of a new buffer each: the
   * visitor must copy what it keeps before it returns.
   */
  buffer?: Buffer;
}

/**
 * Reads records from `handle` between file positions `start` and `end`, validating each one
 * (magic, length, CRC) and that offsets continue from `expectedOffset`. Reads in chunks of about
 * `chunkBytes`, so a segment is never loaded whole.
 */
export async function scanRecords(
  handle: FileHandle,
  start: number,
  end: number,
  expectedOffset: bigint,
  visit: RecordVisitor,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const header: RecordHeader = { offset: 0n, length: 0 };
  let position = start;
  let expected = expectedOffset;
  let needed = RECORD_HEADER_BYTES;
  let limit = end;
  outer: while (position < limit) {
    const want = Math.min(limit - position, Math.max(chunkBytes, needed));
    const reuse = options.buffer;
    const buf = reuse !== undefined && reuse.length >= want ? reuse : Buffer.allocUnsafe(want);
    const got = await readFully(handle, buf, want, position);
    if (got < want) limit = position + got; // the file is shorter than expected
    let p = 0;
    needed = RECORD_HEADER_BYTES;
    for (;;) {
      if (position + p === limit) return { end: limit, nextOffset: expected };
      const status = decodeRecord(buf, p, got, header);
      let problem: string | undefined;
      if (status === "ok") {
        if (header.offset > expected && options.onGap) {
          const reason = `records missing: offset ${header.offset} follows ${expected - 1n}`;
          const at = position + p;
          options.onGap({ start: at, end: at, fromOffset: expected, toOffset: header.offset, reason });
          expected = header.offset;
        }
        if (header.offset === expected) {
          const bytes = RECORD_HEADER_BYTES + header.length;
          const payload = new Uint8Array(buf.buffer, buf.byteOffset + p + RECORD_HEADER_BYTES, header.length);
          const recordPosition = position + p;
          p += bytes;
          expected++;
          if (!visit(header.offset, payload, recordPosition, bytes))
            return { end: position + p, nextOffset: expected };
          continue;
        }
        problem = `non-contiguous offset ${header.offset} (expected ${expected})`;
      } else if (status === "short-header" || status === "short-payload") {
        needed = status === "short-header" ? RECORD_HEADER_BYTES : RECORD_HEADER_BYTES + header.length;
        if (position + p + needed <= limit) {
          position += p;
          continue outer; // complete in the file: read on from this record
        }
        problem = describeRecordStatus(status);
      } else {
        problem = describeRecordStatus(status);
      }
      const at = position + p;
      if (!options.onGap) return { end: at, nextOffset: expected, error: problem };
      const found = await findNextRecord(handle, at + 1, limit, expected);
      if (!found) return { end: at, nextOffset: expected, error: problem };
      options.onGap({
        start: at,
        end: found.position,
        fromOffset: expected,
        toOffset: found.offset,
        reason: problem,
      });
      position = found.position;
      expected = found.offset;
      continue outer;
    }
  }
  return { end: position, nextOffset: expected };
}

/**
 * The first valid record at or after file position `from` (below `limit`) whose offset is at
 * least `minOffset`, found by looking for a record header at every byte and checking its CRC.
 */
export async function findNextRecord(
  handle: FileHandle,
  from: number,
  limit: number,
  minOffset: bigint,
  chunkBytes = 1024 * 1024,
): Promise<{ position: number; offset: bigint } | undefined> {
  const header: RecordHeader = { offset: 0n, length: 0 };
  let base = from;
  while (base + RECORD_HEADER_BYTES <= limit) {
    const want = Math.min(limit - base, chunkBytes);
    const buf = Buffer.allocUnsafe(want);
    const got = await readFully(handle, buf, want, base);
    for (let q = 0; q + RECORD_HEADER_BYTES <= got; q++) {
      if (
        buf[q + 4] !== RECORD_MAGIC ||
        buf[q + 5] !== RECORD_VERSION ||
        buf[q + 6] !== 0 ||
        buf[q + 7] !== 0
      )
        continue;
      const length = buf.readUInt32LE(q + 16);
      if (length > MAX_PAYLOAD_BYTES || base + q + RECORD_HEADER_BYTES + length > limit) continue;
      let record = buf;
      let at = q;
      if (q + RECORD_HEADER_BYTES + length > got) {
        record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + length);
        if ((await readFully(handle, record, record.length, base + q)) < record.length) continue;
        at = 0;
      }
      if (
        decodeRecord(record, at, at + RECORD_HEADER_BYTES + length, header) === "ok" &&
        header.offset >= minOffset
      )
        return { position: base + q, offset: header.offset };
    }
    if (got < want || base + got >= limit) return undefined;
    base += got - RECORD_HEADER_BYTES + 1; // headers straddling the chunk boundary are seen again
  }
  return undefined;
}
