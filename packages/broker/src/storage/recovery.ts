import type { FileHandle } from "node:fs/promises";
import { mkdir, open, readdir, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fsyncDir } from "./fs-sync.ts";
import { createSegment, parseSegmentFileName, Segment, segmentFileName } from "./segment.ts";
import { scanRecords } from "./segment-scanner.ts";

/** What TopicLog.open() found on disk and repaired. */
export interface RecoveryReport {
  /** Segment files in the log after recovery. */
  segments: number;
  /** Valid records found. */
  records: number;
  /** Bytes removed: the invalid tail of one segment plus every later segment file. */
  truncatedBytes: number;
  /** Why bytes were removed (first problem found); absent when the log was clean. */
  reason?: string;
}

export interface RecoveredLog {
  /** Valid segments in offset order; never empty. The last one is the active segment. */
  segments: Segment[];
  /** Open read/write handle of the active (last) segment. */
  handle: FileHandle;
  report: RecoveryReport;
}

/**
 * Opens the log folder: scans every segment, validates every record, truncates at the first
 * torn or corrupt record and deletes the segments after it. Creates the folder and the first
 * segment (base offset 0) when there is no log yet.
 */
export async function recoverLog(dir: string, fsync: boolean): Promise<RecoveredLog> {
  const created = await mkdir(dir, { recursive: true });
  if (created !== undefined && fsync) await fsyncDir(dirname(created));

  const files: Array<{ base: bigint; name: string }> = [];
  for (const name of await readdir(dir)) {
    const base = parseSegmentFileName(name);
    if (base !== undefined) files.push({ base, name });
  }
  files.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));

  const segments: Segment[] = [];
  const report: RecoveryReport = { segments: 0, records: 0, truncatedBytes: 0 };
  let expected = files.length > 0 ? files[0].base : 0n;
  let damagedAt = -1; // index of the first file not kept whole
  for (let i = 0; i < files.length; i++) {
    const { base, name } = files[i];
    const path = join(dir, name);
    if (base !== expected) {
      report.reason = `${name}: segment starts at offset ${base}, expected ${expected}`;
      damagedAt = i;
      break;
    }
    const segment = new Segment(base, path);
    const size = (await stat(path)).size;
    const handle = await open(path, "r");
    let result: Awaited<ReturnType<typeof scanRecords>>;
    try {
      result = await scanRecords(handle, 0, size, base, (_offset, _payload, position, bytes) => {
        segment.addRecord(position, bytes);
        return true;
      });
    } finally {
      await handle.close();
    }
    segments.push(segment);
    report.records += segment.records;
    expected = result.nextOffset;
    if (result.error !== undefined || result.end < size) {
      report.reason = `${name} at byte ${result.end} (offset ${result.nextOffset}): ${result.error ?? "trailing bytes"}`;
      report.truncatedBytes += size - result.end;
      await truncateFile(path, result.end, fsync);
      damagedAt = i + 1;
      break;
    }
  }

  if (damagedAt >= 0 && damagedAt < files.length) {
    for (const { name } of files.slice(damagedAt)) {
      const path = join(dir, name);
      report.truncatedBytes += (await stat(path)).size;
      await unlink(path);
    }
    if (fsync) await fsyncDir(dir);
  }

  let handle: FileHandle;
  if (segments.length === 0) {
    const created = await createSegment(dir, expected, fsync);
    segments.push(created.segment);
    handle = created.handle;
  } else {
    handle = await open(join(dir, segmentFileName(segments[segments.length - 1].baseOffset)), "r+");
  }
  report.segments = segments.length;
  return { segments, handle, report };
}

async function truncateFile(path: string, length: number, fsync: boolean): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.truncate(length);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
}
