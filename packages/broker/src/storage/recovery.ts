/**
 * Opening a topic log folder after a clean stop or a crash. Rules (damage never destroys good data):
 * - Only a torn tail of the active (last) segment is cut off, and its bytes are first copied to
 *   `quarantine/` in the log's folder.
 * - A damaged record anywhere else (a sealed segment, the middle of the active one) is skipped in
 *   place: the file is not changed; the offsets it held are reported as lost.
 * - Segment files are never deleted; a missing segment (or first segment) is reported as lost offsets.
 * - Offsets are never reused: when records at the end were lost, the next offset continues from
 *   the high-water mark (high-water.ts), not from the last record found.
 */
import { mkdir, open, readdir, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fsyncDir, readFully, writeFully } from "./fs-sync.ts";
import { readHighWater } from "./high-water.ts";
import { createSegment, parseSegmentFileName, Segment, segmentFileName } from "./segment.ts";
import { scanRecords } from "./segment-scanner.ts";

export const QUARANTINE_DIR = "quarantine";

/** Offsets [from, to) that the log cannot serve any more, and why. */
export interface LostRange {
  from: bigint;
  to: bigint;
  reason: string;
}

/** What TopicLog.open() found on disk and repaired. */
export interface RecoveryReport {
  /** Segment files in the log after recovery. */
  segments: number;
  /** Valid records found. */
  records: number;
  /** Bytes of torn tail cut from the active segment (copied to quarantine/ first). */
  truncatedBytes: number;
  /** Damaged bytes skipped in place (sealed segments, the middle of the active one). */
  damagedBytes: number;
  /** Offsets the log cannot serve: damaged records, missing segments, records missing at the end. */
  lost: LostRange[];
  /** Files moved to (or copies written in) the quarantine folder. */
  quarantined: string[];
  /** Why something was repaired or skipped (first problem found); absent when the log was clean. */
  reason?: string;
}

export interface RecoveredLog {
  /** Valid segments in offset order; never empty. The last one is the active segment. */
  segments: Segment[];
  report: RecoveryReport;
  /** The high-water file already says "clean stop at exactly the recovered next offset". */
  cleanMark: boolean;
}

/** Number of offsets in the report's lost ranges. */
export function lostOffsets(report: RecoveryReport): bigint {
  return report.lost.reduce((sum, range) => sum + (range.to - range.from), 0n);
}

/** A one-line description of a recovery that found something, for the broker's log. */
export function describeRecovery(report: RecoveryReport): string {
  const parts = [`${report.records} records in ${report.segments} segments`];
  if (report.lost.length > 0) {
    const ranges = report.lost.map((r) => `[${r.from}, ${r.to}) ${r.reason}`).join("; ");
    parts.push(`${lostOffsets(report)} offsets lost: ${ranges}`);
  }
  if (report.truncatedBytes > 0) parts.push(`${report.truncatedBytes} bytes of torn tail cut`);
  if (report.damagedBytes > 0) parts.push(`${report.damagedBytes} damaged bytes skipped`);
  if (report.quarantined.length > 0) parts.push(`quarantined: ${report.quarantined.join(", ")}`);
  return parts.join("; ");
}

async function quarantineDir(dir: string, fsync: boolean): Promise<string> {
  const target = join(dir, QUARANTINE_DIR);
  const created = await mkdir(target, { recursive: true });
  if (created !== undefined && fsync) await fsyncDir(dir);
  return target;
}

/** Copies bytes [from, to) of `path` into a new file in the quarantine folder; returns its name. */
async function quarantineBytes(
  dir: string,
  name: string,
  from: number,
  to: number,
  fsync: boolean,
): Promise<string> {
  const target = join(await quarantineDir(dir, fsync), `${name}.${from}-${to}.${Date.now()}`);
  const source = await open(join(dir, name), "r");
  const out = await open(target, "wx");
  try {
    const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, to - from));
    for (let at = from; at < to; ) {
      const got = await readFully(source, chunk, Math.min(chunk.length, to - at), at);
      if (got === 0) break;
      await writeFully(out, chunk, got, at - from);
      at += got;
    }
    if (fsync) await out.sync();
  } finally {
    await source.close();
    await out.close();
  }
  if (fsync) await fsyncDir(dirname(target));
  return `${QUARANTINE_DIR}/${target.slice(dirname(target).length + 1)}`;
}

/**
 * Opens the log folder: scans every segment, validates every record, and repairs by the rules
 * above. Creates the folder and the first segment (base offset 0) when there is no log yet.
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
  const report: RecoveryReport = {
    segments: 0,
    records: 0,
    truncatedBytes: 0,
    damagedBytes: 0,
    lost: [],
    quarantined: [],
  };
  const problem = (reason: string) => {
    report.reason ??= reason;
  };
  const lose = (from: bigint, to: bigint, reason: string) => {
    if (to <= from) return;
    report.lost.push({ from, to, reason });
    problem(reason);
  };
  // Logs start at offset 0 (nothing is ever removed from the front).
  let expected = 0n;
  for (let i = 0; i < files.length; i++) {
    const { base, name } = files[i];
    const path = join(dir, name);
    const active = i === files.length - 1;
    if (base < expected) {
      // Overlaps the previous segment: keep it out of the log, but keep it.
      const target = join(await quarantineDir(dir, fsync), name);
      await rename(path, target);
      report.quarantined.push(`${QUARANTINE_DIR}/${name}`);
      problem(`${name}: starts at offset ${base}, inside the previous segment (ends at ${expected})`);
      continue;
    }
    lose(expected, base, `missing before ${name} (segment file deleted or cut)`);
    const segment = new Segment(base, path);
    const size = (await stat(path)).size;
    const handle = await open(path, "r");
    let result: Awaited<ReturnType<typeof scanRecords>>;
    try {
      result = await scanRecords(
        handle,
        0,
        size,
        base,
        (offset, _payload, position, bytes) => {
          segment.addRecord(position, bytes, offset);
          return true;
        },
        {
          onGap: (gap) => {
            report.damagedBytes += gap.end - gap.start;
            lose(gap.fromOffset, gap.toOffset, `${name} bytes ${gap.start}-${gap.end}: ${gap.reason}`);
          },
        },
      );
    } finally {
      await handle.close();
    }
    segments.push(segment);
    report.records += segment.records;
    expected = result.nextOffset;
    if (result.error !== undefined && result.end < size) {
      const where = `${name} at byte ${result.end} (offset ${result.nextOffset})`;
      if (active) {
        // A torn tail: the last write never completed (nothing in it was acknowledged), or the
        // last record was damaged. Kept in quarantine, then cut so appends continue after it.
        report.quarantined.push(await quarantineBytes(dir, name, result.end, size, fsync));
        report.truncatedBytes += size - result.end;
        problem(`${where}: ${result.error}`);
        await truncateFile(path, result.end, fsync);
      } else {
        report.damagedBytes += size - result.end;
        const next = files[i + 1].base;
        if (next > expected) {
          lose(expected, next, `${where}: ${result.error} (damaged to the end of the segment)`);
          expected = next;
        } else problem(`${where}: ${result.error}`);
      }
    }
  }

  // Never hand out an offset again that a consumer may have seen.
  const highWater = await readHighWater(dir);
  if (typeof highWater === "string") problem(highWater);
  else if (highWater && highWater.mark > expected) {
    const lastBase = segments.at(-1)?.baseOffset ?? -1n;
    if (highWater.clean) {
      lose(expected, highWater.mark, "records missing at the end of the log (it was cut after a clean stop)");
    } else if (highWater.activeBase > lastBase) {
      lose(
        expected,
        highWater.mark,
        `missing from ${segmentFileName(highWater.activeBase)} on (segment file deleted)`,
      );
    } else if (report.reason !== undefined) {
      problem(`offsets continue at the high-water mark ${highWater.mark}, after the damage`);
    }
    if (highWater.clean || highWater.activeBase > lastBase || report.reason !== undefined)
      expected = highWater.mark;
  }

  const last = segments.at(-1);
  if (!last || last.endOffset < expected) {
    const created = await createSegment(dir, expected, fsync);
    segments.push(created.segment);
    await created.handle.close();
  }
  report.segments = segments.length;
  const next = segments[segments.length - 1]!.endOffset;
  const cleanMark = typeof highWater === "object" && highWater.clean && highWater.mark === next;
  return { segments, report, cleanMark };
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
