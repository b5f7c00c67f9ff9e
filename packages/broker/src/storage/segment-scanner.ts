import type { FileHandle } from "node:fs/promises";
import { readFully } from "./fs-sync.ts";
import type { RecordHeader } from "./record-format.ts";
import { decodeRecord, describeRecordStatus, RECORD_HEADER_BYTES } from "./record-format.ts";

/**
 * Called for each valid record in order. `payload` is a view into a read buffer (no copy).
 * Return false to stop scanning after this record.
 */
export type RecordVisitor = (offset: bigint, payload: Uint8Array, position: number, bytes: number) => boolean;

export interface ScanResult {
  /** File position just after the last record visited: the valid prefix ends here. */
  end: number;
  /** Offset the next record would need to have. */
  nextOffset: bigint;
  /** Set when scanning stopped at an invalid or torn record (which starts at `end`). */
  error?: string;
}

/**
 * Reads records from `handle` between file positions `start` and `end`, validating each one
 * (magic, length, CRC) and that offsets continue from `expectedOffset` without gaps. Reads in
 * chunks of about `chunkBytes`, so a segment is never loaded whole.
 */
export async function scanRecords(
  handle: FileHandle,
  start: number,
  end: number,
  expectedOffset: bigint,
  visit: RecordVisitor,
  chunkBytes = 1024 * 1024,
): Promise<ScanResult> {
  const header: RecordHeader = { offset: 0n, length: 0 };
  let position = start;
  let expected = expectedOffset;
  let needed = RECORD_HEADER_BYTES;
  let limit = end;
  while (position < limit) {
    const want = Math.min(limit - position, Math.max(chunkBytes, needed));
    const buf = Buffer.allocUnsafe(want);
    const got = await readFully(handle, buf, want, position);
    if (got < want) limit = position + got; // the file is shorter than expected
    let p = 0;
    for (;;) {
      if (position + p === limit) return { end: limit, nextOffset: expected };
      const status = decodeRecord(buf, p, got, header);
      if (status === "ok") {
        if (header.offset !== expected) {
          const error = `non-contiguous offset ${header.offset} (expected ${expected})`;
          return { end: position + p, nextOffset: expected, error };
        }
        const bytes = RECORD_HEADER_BYTES + header.length;
        const payload = new Uint8Array(buf.buffer, buf.byteOffset + p + RECORD_HEADER_BYTES, header.length);
        const recordPosition = position + p;
        p += bytes;
        expected++;
        if (!visit(header.offset, payload, recordPosition, bytes))
          return { end: position + p, nextOffset: expected };
        continue;
      }
      if (status === "short-header" || status === "short-payload") {
        needed = status === "short-header" ? RECORD_HEADER_BYTES : RECORD_HEADER_BYTES + header.length;
        if (position + p + needed > limit) {
          return { end: position + p, nextOffset: expected, error: describeRecordStatus(status) };
        }
        break; // complete in the file: read on from this record
      }
      return { end: position + p, nextOffset: expected, error: describeRecordStatus(status) };
    }
    position += p;
  }
  return { end: position, nextOffset: expected };
}
