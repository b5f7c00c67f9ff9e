/**
 * On-disk formats of the MetadataStore (all integers little-endian).
 *
 * Journal `journal-<generation, 20 digits>.log`: a concatenation of entries
 *
 *   pos  size  field
 *     0     4  crc32    IEEE CRC-32 of bytes [4, 12 + length)
 *     4     1  magic    0xDC
 *     5     1  version  1
 *     6     1  op       1 = put, 2 = delete, 3 = deletePrefix
 *     7     1  reserved 0
 *     8     4  length   u32, text bytes
 *    12     n  text     UTF-8 JSON; put: [key, taggedValue]; delete: "key"; deletePrefix: "prefix"
 *
 * Snapshot `metadata.snapshot` (written as `metadata.snapshot.tmp`, fsynced, then renamed):
 *
 *     0     4  crc32    IEEE CRC-32 of bytes [4, 20 + length)
 *     4     1  magic    0xDD
 *     5     1  version  1
 *     6     2  reserved 0
 *     8     8  generation u64; the journal that continues this snapshot is journal-<generation>.log
 *    16     4  length   u32
 *    20     n  text     UTF-8 JSON [[key, taggedValue], ...], sorted by key
 */
import type { BatchBuffer } from "./batch-buffer.ts";
import { crc32 } from "./crc32.ts";
import { StorageError } from "./errors.ts";

export const OP_PUT = 1;
export const OP_DELETE = 2;
export const OP_DELETE_PREFIX = 3;
export type JournalOp = typeof OP_PUT | typeof OP_DELETE | typeof OP_DELETE_PREFIX;

const JOURNAL_MAGIC = 0xdc;
const SNAPSHOT_MAGIC = 0xdd;
const VERSION = 1;
const JOURNAL_HEADER_BYTES = 12;
const SNAPSHOT_HEADER_BYTES = 20;
const MAX_TEXT_BYTES = 0xffffffff;

export function journalFileName(generation: bigint): string {
  return `journal-${generation.toString().padStart(20, "0")}.log`;
}

export function parseJournalFileName(name: string): bigint | undefined {
  const match = /^journal-(\d{20})\.log$/.exec(name);
  return match ? BigInt(match[1]) : undefined;
}

/** Appends one journal entry to `target`. */
export function encodeJournalEntry(target: BatchBuffer, op: JournalOp, text: string): void {
  const length = Buffer.byteLength(text, "utf8");
  if (length > MAX_TEXT_BYTES)
    throw new StorageError("TOO_LARGE", `journal entry of ${length} bytes is too large`);
  const pos = target.reserve(JOURNAL_HEADER_BYTES + length);
  const bytes = target.bytes;
  bytes.write(text, pos + JOURNAL_HEADER_BYTES, length, "utf8");
  bytes[pos + 4] = JOURNAL_MAGIC;
  bytes[pos + 5] = VERSION;
  bytes[pos + 6] = op;
  bytes[pos + 7] = 0;
  bytes.writeUInt32LE(length, pos + 8);
  bytes.writeUInt32LE(crc32(bytes, pos + 4, pos + JOURNAL_HEADER_BYTES + length), pos);
}

export interface JournalEntry {
  op: JournalOp;
  text: string;
  /** File position where the entry starts. */
  position: number;
}

export interface ParsedJournal {
  entries: JournalEntry[];
  /** Bytes of valid entries from the start; everything after is a torn or corrupt tail. */
  validBytes: number;
  /** Why parsing stopped before the end of the file. */
  error?: string;
}

/** Bytes [start, end) of a journal that hold no valid entry, and why. */
export interface JournalGap {
  start: number;
  end: number;
  reason: string;
}

export interface ScannedJournal {
  /** Every valid entry, in file order (also those after a damaged region). */
  entries: JournalEntry[];
  /** Damaged regions followed by valid entries: not a torn tail. */
  gaps: JournalGap[];
  /** Where a damaged region with no valid entry after it starts (a torn or damaged tail). */
  tail?: JournalGap;
}

/** Whether a complete, valid entry starts at `pos` (header, known op, CRC). */
function entryAt(bytes: Buffer, pos: number): number | undefined {
  if (bytes.length - pos < JOURNAL_HEADER_BYTES) return undefined;
  if (bytes[pos + 4] !== JOURNAL_MAGIC || bytes[pos + 5] !== VERSION || bytes[pos + 7] !== 0)
    return undefined;
  const op = bytes[pos + 6];
  if (op !== OP_PUT && op !== OP_DELETE && op !== OP_DELETE_PREFIX) return undefined;
  const end = pos + JOURNAL_HEADER_BYTES + bytes.readUInt32LE(pos + 8);
  if (end > bytes.length || crc32(bytes, pos + 4, end) !== bytes.readUInt32LE(pos)) return undefined;
  return end;
}

/**
 * Parses a whole journal file and, past a damaged entry, looks for valid entries after it (at
 * every byte, by header and CRC): damage followed by valid entries is a gap, not a torn tail.
 */
export function scanJournal(bytes: Buffer): ScannedJournal {
  const out: ScannedJournal = { entries: [], gaps: [] };
  let pos = 0;
  while (pos < bytes.length) {
    const parsed = parseJournal(bytes.subarray(pos));
    for (const entry of parsed.entries) out.entries.push({ ...entry, position: entry.position + pos });
    if (parsed.error === undefined) break;
    const start = pos + parsed.validBytes;
    const reason = parsed.error.replace(/^byte \d+: /, "");
    let next = start + 1;
    while (next < bytes.length && entryAt(bytes, next) === undefined) next++;
    if (next >= bytes.length) {
      out.tail = { start, end: bytes.length, reason };
      break;
    }
    out.gaps.push({ start, end: next, reason });
    pos = next;
  }
  return out;
}

/** Parses a whole journal file, stopping at the first torn or invalid entry. */
export function parseJournal(bytes: Buffer): ParsedJournal {
  const entries: JournalEntry[] = [];
  let pos = 0;
  const stop = (error: string): ParsedJournal => ({
    entries,
    validBytes: pos,
    error: `byte ${pos}: ${error}`,
  });
  while (pos < bytes.length) {
    if (bytes.length - pos < JOURNAL_HEADER_BYTES) return stop("torn entry (short header)");
    const op = bytes[pos + 6];
    if (bytes[pos + 4] !== JOURNAL_MAGIC || bytes[pos + 5] !== VERSION || bytes[pos + 7] !== 0) {
      return stop("bad magic/version");
    }
    if (op !== OP_PUT && op !== OP_DELETE && op !== OP_DELETE_PREFIX) return stop(`unknown op ${op}`);
    const length = bytes.readUInt32LE(pos + 8);
    const end = pos + JOURNAL_HEADER_BYTES + length;
    if (end > bytes.length) return stop("torn entry (short payload)");
    if (crc32(bytes, pos + 4, end) !== bytes.readUInt32LE(pos)) return stop("CRC mismatch");
    entries.push({ op, text: bytes.toString("utf8", pos + JOURNAL_HEADER_BYTES, end), position: pos });
    pos = end;
  }
  return { entries, validBytes: pos };
}

export function encodeSnapshot(generation: bigint, text: string): Buffer {
  const length = Buffer.byteLength(text, "utf8");
  if (length > MAX_TEXT_BYTES)
    throw new StorageError("TOO_LARGE", `snapshot of ${length} bytes is too large`);
  const bytes = Buffer.allocUnsafe(SNAPSHOT_HEADER_BYTES + length);
  bytes.write(text, SNAPSHOT_HEADER_BYTES, length, "utf8");
  bytes[4] = SNAPSHOT_MAGIC;
  bytes[5] = VERSION;
  bytes.writeUInt16LE(0, 6);
  bytes.writeBigUInt64LE(generation, 8);
  bytes.writeUInt32LE(length, 16);
  bytes.writeUInt32LE(crc32(bytes, 4), 0);
  return bytes;
}

/** Validates a snapshot file. A bad snapshot is not repairable (it was renamed into place whole). */
export function decodeSnapshot(bytes: Buffer, path: string): { generation: bigint; text: string } {
  const corrupt = (why: string) => new StorageError("CORRUPT", `metadata snapshot ${path}: ${why}`);
  if (bytes.length < SNAPSHOT_HEADER_BYTES) throw corrupt("too short");
  if (bytes[4] !== SNAPSHOT_MAGIC || bytes[5] !== VERSION || bytes.readUInt16LE(6) !== 0) {
    throw corrupt("bad magic/version");
  }
  const length = bytes.readUInt32LE(16);
  if (SNAPSHOT_HEADER_BYTES + length !== bytes.length) throw corrupt("length does not match file size");
  if (crc32(bytes, 4) !== bytes.readUInt32LE(0)) throw corrupt("CRC mismatch");
  return { generation: bytes.readBigUInt64LE(8), text: bytes.toString("utf8", SNAPSHOT_HEADER_BYTES) };
}
