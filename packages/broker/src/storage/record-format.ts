/**
 * On-disk layout of one TopicLog record. Segment files are a plain concatenation of records;
 * all integers are little-endian.
 *
 *   pos  size  field
 *     0     4  crc32    IEEE CRC-32 of bytes [4, 20 + length): magic, version, flags, offset, length, payload
 *     4     1  magic    0xDB
 *     5     1  version  1
 *     6     2  flags    0 (reserved; any other value is rejected)
 *     8     8  offset   u64, the record's offset in the topic
 *    16     4  length   u32, payload bytes (at most MAX_PAYLOAD_BYTES)
 *    20     n  payload
 *
 * A segment file is named after the offset of its first record, zero-padded to 20 decimal digits
 * (`00000000000000000000.log`), and holds records with contiguous, increasing offsets.
 */
import { crc32 } from "./crc32.ts";

export const RECORD_MAGIC = 0xdb;
export const RECORD_VERSION = 1;
export const RECORD_HEADER_BYTES = 20;
/** Largest payload a record may carry (256 MiB); also bounds what recovery will try to read. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** Writes a complete record at `target[pos]`; `target` must have room for header + payload. */
export function encodeRecord(target: Buffer, pos: number, offset: bigint, payload: Uint8Array): void {
  target[pos + 4] = RECORD_MAGIC;
  target[pos + 5] = RECORD_VERSION;
  target[pos + 6] = 0;
  target[pos + 7] = 0;
  target.writeBigUInt64LE(offset, pos + 8);
  target.writeUInt32LE(payload.length, pos + 16);
  target.set(payload, pos + RECORD_HEADER_BYTES);
  target.writeUInt32LE(crc32(target, pos + 4, pos + RECORD_HEADER_BYTES + payload.length), pos);
}

/** Outcome of looking at the bytes where a record should start. */
export type RecordStatus = "ok" | "short-header" | "short-payload" | "bad-magic" | "bad-length" | "bad-crc";

/** Filled in by decodeRecord: the record's offset and payload length (length is set from "short-payload" on). */
export interface RecordHeader {
  offset: bigint;
  length: number;
}

/**
 * Validates the record starting at `buf[pos]`, where `buf[pos, end)` are the bytes available.
 * "ok" means header and CRC are valid and `out` holds offset and length.
 */
export function decodeRecord(buf: Buffer, pos: number, end: number, out: RecordHeader): RecordStatus {
  if (end - pos < RECORD_HEADER_BYTES) return "short-header";
  if (
    buf[pos + 4] !== RECORD_MAGIC ||
    buf[pos + 5] !== RECORD_VERSION ||
    buf[pos + 6] !== 0 ||
    buf[pos + 7] !== 0
  ) {
    return "bad-magic";
  }
  const length = buf.readUInt32LE(pos + 16);
  if (length > MAX_PAYLOAD_BYTES) return "bad-length";
  out.length = length;
  if (end - pos - RECORD_HEADER_BYTES < length) return "short-payload";
  if (crc32(buf, pos + 4, pos + RECORD_HEADER_BYTES + length) !== buf.readUInt32LE(pos)) return "bad-crc";
  out.offset = buf.readBigUInt64LE(pos + 8);
  return "ok";
}

const DESCRIPTIONS: Record<Exclude<RecordStatus, "ok">, string> = {
  "short-header": "torn record (short header)",
  "short-payload": "torn record (short payload)",
  "bad-magic": "bad magic/version",
  "bad-length": "bad payload length",
  "bad-crc": "CRC mismatch",
};

export function describeRecordStatus(status: Exclude<RecordStatus, "ok">): string {
  return DESCRIPTIONS[status];
}
