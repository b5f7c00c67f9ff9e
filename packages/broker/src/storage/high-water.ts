/**
 * The high-water mark of a topic log, `high-water` in the log's folder, so that offsets are never
 * reused after a loss (a deleted or cut segment, a truncated tail): consumers may have seen them.
 *
 *   pos  size  field
 *     0     4  crc32       IEEE CRC-32 of bytes [4, 24)
 *     4     1  magic       0xDE
 *     5     1  version     1
 *     6     2  flags       bit 0: clean (written by close(): `mark` is exactly the next offset)
 *     8     8  mark        u64: no offset at or above it was ever handed out (a reservation while running)
 *    16     8  activeBase  u64: base offset of the active segment when the mark was written
 *
 * While running, the log reserves offsets ahead (mark = next + RESERVE) before it commits past
 * the mark, so a crash leaves a mark at or above every offset a consumer may have seen.
 */
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "./crc32.ts";
import { fsyncDir, isNotFound, writeFully } from "./fs-sync.ts";

export const HIGH_WATER_FILE = "high-water";
/** Offsets reserved ahead of the log's end while running; after a crash with damage, the next offset may skip this far. */
export const HIGH_WATER_RESERVE = 1024n;
const MAGIC = 0xde;
const VERSION = 1;
const BYTES = 24;

export interface HighWater {
  mark: bigint;
  activeBase: bigint;
  clean: boolean;
}

/** The stored mark; undefined when there is none, a string saying why when the file is damaged. */
export async function readHighWater(dir: string): Promise<HighWater | string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, HIGH_WATER_FILE));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  if (bytes.length !== BYTES || bytes[4] !== MAGIC || bytes[5] !== VERSION)
    return "high-water file is damaged";
  if (crc32(bytes, 4, BYTES) !== bytes.readUInt32LE(0)) return "high-water file is damaged (CRC mismatch)";
  return {
    clean: (bytes.readUInt16LE(6) & 1) === 1,
    mark: bytes.readBigUInt64LE(8),
    activeBase: bytes.readBigUInt64LE(16),
  };
}

/** Overwrites the mark in place (24 bytes, one sector) and makes it durable. */
export async function writeHighWater(dir: string, value: HighWater, fsync: boolean): Promise<void> {
  const bytes = Buffer.alloc(BYTES);
  bytes[4] = MAGIC;
  bytes[5] = VERSION;
  bytes.writeUInt16LE(value.clean ? 1 : 0, 6);
  bytes.writeBigUInt64LE(value.mark, 8);
  bytes.writeBigUInt64LE(value.activeBase, 16);
  bytes.writeUInt32LE(crc32(bytes, 4, BYTES), 0);
  const path = join(dir, HIGH_WATER_FILE);
  let created = false;
  const handle = await open(path, "r+").catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
    created = true;
    return open(path, "w+");
  });
  try {
    await writeFully(handle, bytes, BYTES, 0);
    if (fsync) await handle.datasync();
  } finally {
    await handle.close();
  }
  if (created && fsync) await fsyncDir(dir);
}
