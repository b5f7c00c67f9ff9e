/**
 * Loading and compacting the MetadataStore's files (formats in journal-format.ts):
 *   metadata.snapshot        the state as of the start of journal-<generation>.log (absent: empty, generation 0)
 *   journal-<generation>.log entries applied after the snapshot
 *   metadata.snapshot.tmp    a snapshot being written; ignored and removed at open
 */
import type { FileHandle } from "node:fs/promises";
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { StorageError } from "./errors.ts";
import { fsyncDir, isNotFound, writeFully } from "./fs-sync.ts";
import type { JournalEntry, JournalGap } from "./journal-format.ts";
import {
  decodeSnapshot,
  encodeSnapshot,
  journalFileName,
  OP_DELETE,
  OP_PUT,
  parseJournalFileName,
  scanJournal,
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
  /** Bytes of torn or corrupt journal tail removed (copied to quarantine/ first). */
  truncatedBytes: number;
  /** Damaged entries skipped by a repair (--repair-metadata): byte ranges and why. */
  skipped: Array<{ file: string; start: number; end: number; reason: string }>;
  /** Copies of damaged files kept in the metadata folder's quarantine/. */
  quarantined: string[];
  reason?: string;
}

export interface LoadedMetadata {
  entries: MetadataMap;
  generation: bigint;
  journal: FileHandle;
  journalBytes: number;
  snapshotBytes: number;
  report: MetadataRecoveryReport;
  /** A repair happened: the store writes a clean snapshot before taking writes. */
  needsCompaction: boolean;
}

const REPAIR_HINT =
  "no entry was dropped; to start anyway, skipping only the damaged bytes, start the broker with --repair-metadata (option repairMetadata); copies of the damaged files are kept in quarantine/";

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

async function quarantineCopy(dir: string, name: string, bytes: Buffer, fsync: boolean): Promise<string> {
  const folder = join(dir, "quarantine");
  await mkdir(folder, { recursive: true });
  const target = `${name}.${Date.now()}`;
  await writeFile(join(folder, target), bytes);
  if (fsync) await fsyncDir(folder);
  return `quarantine/${target}`;
}

/**
 * Reads snapshot and journal(s) and opens the journal for appends. A torn or damaged journal
 * tail is cut (copied to quarantine/ first). Damage followed by valid entries, or a journal
 * ahead of the snapshot (a missing snapshot), is refused with the file and byte named, unless
 * `repair` is set: then the damaged bytes are skipped, every valid entry applied, and the caller
 * writes a clean snapshot.
 */
export async function loadMetadata(dir: string, fsync: boolean, repair = false): Promise<LoadedMetadata> {
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

  const report: MetadataRecoveryReport = {
    keys: 0,
    journalEntries: 0,
    truncatedBytes: 0,
    skipped: [],
    quarantined: [],
  };
  let needsCompaction = false;
  // Stale files: an unfinished snapshot, journals already folded into the snapshot, and the empty
  // journal an interrupted compaction creates. A non-empty journal ahead of the snapshot holds
  // changes the snapshot lacks (the snapshot is missing or older): never deleted.
  let removed = false;
  const ahead: bigint[] = [];
  for (const name of await readdir(dir)) {
    const journalGeneration = parseJournalFileName(name);
    const path = join(dir, name);
    const stale =
      name === SNAPSHOT_TEMP_FILE ||
      (journalGeneration !== undefined && journalGeneration < generation) ||
      (journalGeneration !== undefined && journalGeneration > generation && (await stat(path)).size === 0);
    if (stale) {
      await unlink(path);
      removed = true;
    } else if (journalGeneration !== undefined && journalGeneration > generation)
      ahead.push(journalGeneration);
  }
  ahead.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (ahead.length > 0) {
    const names = ahead.map(journalFileName).join(", ");
    const problem = `metadata journal ${join(dir, names)} is ahead of the snapshot ${snapshot ? `of generation ${generation}` : "(missing)"}: the snapshot it continues is missing`;
    if (!repair) throw new StorageError("CORRUPT", `${problem}; ${REPAIR_HINT}`);
    report.reason = problem;
    needsCompaction = true;
  }

  // Replay the snapshot's journal, then (repair only) the ones ahead of it.
  let journalPath = join(dir, journalFileName(generation));
  let journalBytes = 0;
  for (const gen of [generation, ...ahead]) {
    const name = journalFileName(gen);
    const path = join(dir, name);
    const bytes = await readFile(path).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    journalPath = path;
    journalBytes = 0;
    if (!bytes) continue;
    const scanned = scanJournal(bytes);
    const damage: JournalGap[] = [...scanned.gaps];
    for (const entry of scanned.entries) {
      try {
        applyEntry(entries, entry);
        report.journalEntries++;
      } catch (error) {
        const end = scanned.entries.find((e) => e.position > entry.position)?.position ?? bytes.length;
        damage.push({ start: entry.position, end, reason: `malformed entry (${(error as Error).message})` });
        if (end === bytes.length) scanned.tail ??= damage.pop();
      }
    }
    if (damage.length > 0) {
      const first = damage.sort((a, b) => a.start - b.start)[0]!;
      const problem = `metadata journal ${path} is damaged at byte ${first.start} (${first.reason}) and valid entries follow`;
      if (!repair) throw new StorageError("CORRUPT", `${problem}; ${REPAIR_HINT}`);
      report.reason ??= problem;
      for (const gap of damage) report.skipped.push({ file: name, ...gap });
      needsCompaction = true;
    }
    if (damage.length > 0 || scanned.tail)
      report.quarantined.push(await quarantineCopy(dir, name, bytes, fsync));
    journalBytes = bytes.length;
    if (scanned.tail) {
      report.truncatedBytes += bytes.length - scanned.tail.start;
      report.reason ??= `${name} byte ${scanned.tail.start}: ${scanned.tail.reason} (torn tail cut)`;
      journalBytes = scanned.tail.start;
    }
  }
  if (ahead.length > 0) generation = ahead[ahead.length - 1]!;

  let journal: FileHandle;
  const exists = await stat(journalPath).then(
    () => true,
    () => false,
  );
  if (exists) {
    journal = await open(journalPath, "r+");
    if ((await journal.stat()).size > journalBytes) {
      await journal.truncate(journalBytes);
      if (fsync) await journal.sync();
    }
  } else {
    journal = await open(journalPath, "wx+");
    removed = true;
  }
  if (removed && fsync) await fsyncDir(dir);
  report.keys = entries.size;
  return { entries, generation, journal, journalBytes, snapshotBytes, report, needsCompaction };
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
