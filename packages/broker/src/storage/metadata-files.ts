/**
 * Loading and compacting the MetadataStore's files (formats in journal-format.ts):
 *   metadata.snapshot        the state as of the start of journal-<generation>.log (absent: empty, generation 0)
 *   journal-<generation>.log entries applied after the snapshot
 *   metadata.snapshot.tmp    a snapshot being written; ignored and removed at open
 */
import type { FileHandle } from "node:fs/promises";
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { StorageError } from "./errors.ts";
import { fsyncDir, isNotFound, writeFully } from "./fs-sync.ts";
import type { JournalEntry } from "./journal-format.ts";
import {
  decodeSnapshot,
  encodeSnapshot,
  journalFileName,
  OP_DELETE,
  OP_PUT,
  parseJournal,
  parseJournalFileName,
} from "./journal-format.ts";
import type { TaggedJson } from "./value-codec.ts";
import { decodeValue, deepFreeze } from "./value-codec.ts";

export const SNAPSHOT_FILE = "metadata.snapshot";
const SNAPSHOT_TEMP_FILE = "metadata.snapshot.tmp";

/** One key's value, decoded (and frozen) for get(), and as tagged JSON text for snapshots. */
export interface StoredValue {
  value: unknown;
  json: string;
}

export type MetadataMap = Map<string, StoredValue>;

/** What MetadataStore.open() found on disk and repaired. */
export interface MetadataRecoveryReport {
  /** Keys loaded. */
  keys: number;
  /** Journal entries replayed on top of the snapshot. */
  journalEntries: number;
  /** Bytes of torn or corrupt journal tail removed. */
  truncatedBytes: number;
  reason?: string;
}

export interface LoadedMetadata {
  entries: MetadataMap;
  generation: bigint;
  journal: FileHandle;
  journalBytes: number;
  snapshotBytes: number;
  report: MetadataRecoveryReport;
}

export function storedValue(tagged: TaggedJson): StoredValue {
  return { value: deepFreeze(decodeValue(tagged)), json: JSON.stringify(tagged) };
}

/** Applies one journal entry to the map; throws if its text is malformed. */
function applyEntry(entries: MetadataMap, entry: JournalEntry): void {
  if (entry.op === OP_PUT) {
    const parsed: unknown = JSON.parse(entry.text);
    if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== "string") {
      throw new Error("put entry is not [key, value]");
    }
    entries.set(parsed[0], storedValue(parsed[1] as TaggedJson));
    return;
  }
  const key: unknown = JSON.parse(entry.text);
  if (typeof key !== "string") throw new Error("delete entry is not a key");
  if (entry.op === OP_DELETE) entries.delete(key);
  else for (const existing of [...entries.keys()]) if (existing.startsWith(key)) entries.delete(existing);
}

/** Reads snapshot and journal, truncating a torn or corrupt journal tail, and opens the journal for appends. */
export async function loadMetadata(dir: string, fsync: boolean): Promise<LoadedMetadata> {
  const created = await mkdir(dir, { recursive: true });
  if (created !== undefined && fsync) await fsyncDir(dirname(created));

  const entries: MetadataMap = new Map();
  let generation = 0n;
  let snapshotBytes = 0;
  const snapshotPath = join(dir, SNAPSHOT_FILE);
  const snapshot = await readFile(snapshotPath).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (snapshot) {
    const decoded = decodeSnapshot(snapshot, snapshotPath);
    const pairs: unknown = JSON.parse(decoded.text);
    if (!Array.isArray(pairs))
      throw new StorageError("CORRUPT", `metadata snapshot ${snapshotPath}: not a list`);
    for (const [key, tagged] of pairs as Array<[string, TaggedJson]>) entries.set(key, storedValue(tagged));
    generation = decoded.generation;
    snapshotBytes = snapshot.length;
  }

  // Stale files: an unfinished snapshot, and journals of other generations (already in the snapshot).
  let removed = false;
  for (const name of await readdir(dir)) {
    const journalGeneration = parseJournalFileName(name);
    if (
      name === SNAPSHOT_TEMP_FILE ||
      (journalGeneration !== undefined && journalGeneration !== generation)
    ) {
      await unlink(join(dir, name));
      removed = true;
    }
  }

  const journalPath = join(dir, journalFileName(generation));
  const report: MetadataRecoveryReport = { keys: 0, journalEntries: 0, truncatedBytes: 0 };
  const bytes = await readFile(journalPath).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  let journal: FileHandle;
  let journalBytes = 0;
  if (bytes) {
    const parsed = parseJournal(bytes);
    let validBytes = parsed.validBytes;
    let reason = parsed.error;
    for (const entry of parsed.entries) {
      try {
        applyEntry(entries, entry);
      } catch (error) {
        validBytes = entry.position;
        reason = `byte ${entry.position}: malformed entry (${(error as Error).message})`;
        break;
      }
      report.journalEntries++;
    }
    journal = await open(journalPath, "r+");
    if (validBytes < bytes.length) {
      report.truncatedBytes = bytes.length - validBytes;
      report.reason = `${journalFileName(generation)} ${reason}`;
      await journal.truncate(validBytes);
      if (fsync) await journal.sync();
    }
    journalBytes = validBytes;
  } else {
    journal = await open(journalPath, "wx+");
    removed = true;
  }
  if (removed && fsync) await fsyncDir(dir);
  report.keys = entries.size;
  return { entries, generation, journal, journalBytes, snapshotBytes, report };
}

/** The snapshot text of `entries`: [[key, taggedValue], ...] sorted by key. */
export function snapshotText(entries: MetadataMap): string {
  const keys = [...entries.keys()].sort(compareKeys);
  return `[${keys.map((key) => `[${JSON.stringify(key)},${entries.get(key)!.json}]`).join(",")}]`;
}

/**
 * Makes `text` the durable state as of generation `generation` and returns the open, empty
 * journal of that generation. Steps: write + fsync the temp snapshot, create the new journal,
 * rename the snapshot into place, fsync the directory. A crash at any point leaves either the
 * old snapshot + old journal or the new snapshot + new journal in effect.
 */
export async function writeSnapshot(
  dir: string,
  generation: bigint,
  text: string,
  fsync: boolean,
): Promise<{ journal: FileHandle; snapshotBytes: number }> {
  const bytes = encodeSnapshot(generation, text);
  const tempPath = join(dir, SNAPSHOT_TEMP_FILE);
  const temp = await open(tempPath, "w");
  try {
    await writeFully(temp, bytes, bytes.length, 0);
    if (fsync) await temp.sync();
  } finally {
    await temp.close();
  }
  const journal = await open(join(dir, journalFileName(generation)), "w+");
  try {
    await rename(tempPath, join(dir, SNAPSHOT_FILE));
    if (fsync) await fsyncDir(dir);
  } catch (error) {
    await journal.close();
    throw error;
  }
  return { journal, snapshotBytes: bytes.length };
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
