import assert from "node:assert/strict";
import { appendFile, cp, open, readdir, readFile, stat, truncate, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { test } from "node:test";
import { closeBeforeRemoval, tempDir } from "../../test/temp-dir.ts";
import { HIGH_WATER_RESERVE } from "./high-water.ts";
import { encodeRecord, RECORD_HEADER_BYTES } from "./record-format.ts";
import type { LogRecord } from "./topic-log.ts";
import { TopicLog } from "./topic-log.ts";

const FIRST = "00000000000000000000.log";
const PAYLOAD_BYTES = 30;
const RECORD_BYTES = RECORD_HEADER_BYTES + PAYLOAD_BYTES;

const payload = (i: number) => new TextEncoder().encode(`record-${i}`.padEnd(PAYLOAD_BYTES, "."));
const payloadText = (r: LogRecord) => new TextDecoder().decode(r.payload).replace(/\.+$/, "");

/** Writes `count` records of RECORD_BYTES each and closes the log. */
async function writeLog(dir: string, count: number, segmentBytes?: number): Promise<void> {
  const log = await TopicLog.open({ dir, segmentBytes });
  for (let i = 0; i < count; i++) await log.append(payload(i));
  await log.close();
}

async function reopen(t: TestContext, dir: string, segmentBytes?: number): Promise<TopicLog> {
  const log = await TopicLog.open({ dir, segmentBytes, cacheRecords: 0 });
  closeBeforeRemoval(t, () => log.close());
  return log;
}

async function flipByte(path: string, position: number): Promise<void> {
  const handle = await open(path, "r+");
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, position);
  byte[0] ^= 0x40;
  await handle.write(byte, 0, 1, position);
  await handle.close();
}

/** A copy of the log folder as a crash would leave it: taken while the log is open (no clean close). */
async function crashImage(t: TestContext, count: number, segmentBytes?: number): Promise<string> {
  const dir = await tempDir(t);
  const image = await tempDir(t);
  const log = await TopicLog.open({ dir, segmentBytes });
  for (let i = 0; i < count; i++) await log.append(payload(i));
  await cp(dir, image, { recursive: true });
  await log.close();
  return image;
}

/** Checks that exactly the records `served` are served, then that appends continue at `next`. */
async function assertServes(log: TopicLog, served: number[], next: bigint): Promise<void> {
  assert.equal(log.nextOffset, next);
  assert.equal(log.committedOffset, next);
  const records = await log.read(0n, 1000);
  assert.deepEqual(
    records.map(payloadText),
    served.map((i) => `record-${i}`),
  );
  assert.deepEqual(
    records.map((r) => r.offset),
    served.map((i) => BigInt(i)),
  );
  assert.equal(await log.append(payload(Number(next))), next);
  assert.equal(payloadText((await log.read(next, 1))[0]), `record-${next}`);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const lost = (log: TopicLog) => log.recovery.lost.map((r) => [Number(r.from), Number(r.to)]);

test("a torn tail after a crash is cut (a copy kept in quarantine); offsets continue past the reservation", async (t) => {
  const dir = await crashImage(t, 10);
  await truncate(join(dir, FIRST), 10 * RECORD_BYTES - 5);
  const log = await reopen(t, dir);
  assert.equal(log.recovery.records, 9);
  assert.equal(log.recovery.truncatedBytes, RECORD_BYTES - 5);
  assert.match(log.recovery.reason ?? "", /short payload/);
  assert.equal((await stat(join(dir, FIRST))).size, 9 * RECORD_BYTES);
  assert.equal(log.recovery.quarantined.length, 1);
  const kept = await readFile(join(dir, log.recovery.quarantined[0]));
  assert.equal(kept.length, RECORD_BYTES - 5);
  // Record 9 may have been seen by a consumer before the damage: its offset is never reused.
  await assertServes(log, range(0, 9), 1n + HIGH_WATER_RESERVE);
});

test("a crash without damage continues right after the last record (no gap)", async (t) => {
  const dir = await crashImage(t, 10);
  const log = await reopen(t, dir);
  assert.equal(log.recovery.reason, undefined);
  await assertServes(log, range(0, 10), 10n);
});

test("a file cut after a clean stop: the lost record is reported and its offset not reused", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 10);
  await truncate(join(dir, FIRST), 10 * RECORD_BYTES - 5);
  const log = await reopen(t, dir);
  assert.deepEqual(lost(log), [[9, 10]]);
  await assertServes(log, range(0, 9), 10n);
});

test("a torn header is cut", async (t) => {
  const dir = await crashImage(t, 4);
  await truncate(join(dir, FIRST), 3 * RECORD_BYTES + 7);
  const log = await reopen(t, dir);
  assert.equal(log.recovery.truncatedBytes, 7);
  assert.match(log.recovery.reason ?? "", /short header/);
  await assertServes(log, range(0, 3), 1n + HIGH_WATER_RESERVE);
});

test("a flipped byte in the middle of the active segment: that record is skipped, every other one served", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 10);
  await flipByte(join(dir, FIRST), 6 * RECORD_BYTES + RECORD_HEADER_BYTES + 12);
  const log = await reopen(t, dir);
  assert.equal(log.recovery.records, 9);
  assert.equal(log.recovery.truncatedBytes, 0);
  assert.equal(log.recovery.damagedBytes, RECORD_BYTES);
  assert.deepEqual(lost(log), [[6, 7]]);
  assert.match(log.recovery.reason ?? "", /CRC mismatch/);
  assert.equal((await stat(join(dir, FIRST))).size, 10 * RECORD_BYTES, "the file is not changed");
  await assertServes(log, [...range(0, 6), ...range(7, 10)], 10n);
});

test("damage in sealed segments never deletes data: later records and segments are all served", async (t) => {
  const dir = await tempDir(t);
  const segmentBytes = 3 * RECORD_BYTES; // 3 records per segment
  await writeLog(dir, 12, segmentBytes);
  const before = (await readdir(dir)).sort();
  await flipByte(join(dir, "00000000000000000003.log"), RECORD_BYTES + 9); // offset field of record 4
  await flipByte(join(dir, "00000000000000000006.log"), 2 * RECORD_BYTES + 30); // record 8, the segment's last
  const log = await reopen(t, dir, segmentBytes);
  assert.equal(log.recovery.segments, 4);
  assert.equal(log.recovery.records, 10);
  assert.deepEqual(lost(log), [
    [4, 5],
    [8, 9],
  ]);
  assert.deepEqual((await readdir(dir)).sort(), before);
  await assertServes(log, [...range(0, 4), ...range(5, 8), ...range(9, 12)], 12n);
});

test("garbage appended after valid data is cut and kept in quarantine", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 5);
  const garbage = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff));
  await appendFile(join(dir, FIRST), garbage);
  const log = await reopen(t, dir);
  assert.equal(log.recovery.records, 5);
  assert.equal(log.recovery.truncatedBytes, 100);
  assert.deepEqual(await readFile(join(dir, log.recovery.quarantined[0])), garbage);
  await assertServes(log, range(0, 5), 5n);
});

test("a zero-filled tail is rejected by the magic check", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 3);
  await appendFile(join(dir, FIRST), Buffer.alloc(4096));
  const log = await reopen(t, dir);
  assert.equal(log.recovery.truncatedBytes, 4096);
  assert.match(log.recovery.reason ?? "", /bad magic/);
  await assertServes(log, range(0, 3), 3n);
});

test("a valid record after missing ones is kept; the missing offsets are reported", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 3);
  const stray = Buffer.alloc(RECORD_BYTES);
  encodeRecord(stray, 0, 7n, payload(7));
  await appendFile(join(dir, FIRST), stray);
  const log = await reopen(t, dir);
  assert.deepEqual(lost(log), [[3, 7]]);
  await assertServes(log, [0, 1, 2, 7], 8n);
});

test("a missing middle segment is reported; the segments after it are kept and served", async (t) => {
  const dir = await tempDir(t);
  const segmentBytes = 2 * RECORD_BYTES;
  await writeLog(dir, 8, segmentBytes);
  await unlink(join(dir, "00000000000000000002.log"));
  const log = await reopen(t, dir, segmentBytes);
  assert.deepEqual(lost(log), [[2, 4]]);
  assert.match(log.recovery.reason ?? "", /missing before 00000000000000000004\.log/);
  assert.equal((await readdir(dir)).filter((n) => n.endsWith(".log")).length, 3);
  await assertServes(log, [0, 1, ...range(4, 8)], 8n);
});

test("a deleted first segment is reported, not silent", async (t) => {
  const dir = await tempDir(t);
  const segmentBytes = 2 * RECORD_BYTES;
  await writeLog(dir, 6, segmentBytes);
  await unlink(join(dir, FIRST));
  const log = await reopen(t, dir, segmentBytes);
  assert.deepEqual(lost(log), [[0, 2]]);
  await assertServes(log, range(2, 6), 6n);
});

test("a deleted last segment: the loss is reported and offsets are not reused (clean stop and crash)", async (t) => {
  const segmentBytes = 2 * RECORD_BYTES;
  const clean = await tempDir(t);
  await writeLog(clean, 6, segmentBytes);
  await unlink(join(clean, "00000000000000000004.log"));
  const log = await reopen(t, clean, segmentBytes);
  assert.deepEqual(lost(log), [[4, 6]]);
  await assertServes(log, range(0, 4), 6n);

  const crashed = await crashImage(t, 6, segmentBytes);
  await unlink(join(crashed, "00000000000000000004.log"));
  const again = await reopen(t, crashed, segmentBytes);
  assert.equal(again.recovery.lost[0]?.from, 4n);
  assert.ok(again.nextOffset >= 6n, `next offset ${again.nextOffset} reuses a lost one`);
  await assertServes(again, range(0, 4), again.nextOffset);
});

test("an empty segment file left by a crash during a roll becomes the active segment", async (t) => {
  const dir = await tempDir(t);
  const segmentBytes = 2 * RECORD_BYTES;
  await writeLog(dir, 4, segmentBytes);
  await writeFile(join(dir, "00000000000000000004.log"), "");
  const log = await reopen(t, dir, segmentBytes);
  assert.deepEqual(log.recovery, {
    segments: 3,
    records: 4,
    truncatedBytes: 0,
    damagedBytes: 0,
    lost: [],
    quarantined: [],
  });
  await assertServes(log, range(0, 4), 4n);
  assert.equal(log.stats.segments, 3);
  assert.equal((await stat(join(dir, "00000000000000000004.log"))).size, RECORD_BYTES);
});

test("files that are not segments are left alone", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 2);
  await writeFile(join(dir, "notes.txt"), "hello");
  const log = await reopen(t, dir);
  assert.equal(log.recovery.truncatedBytes, 0);
  assert.equal(await readFile(join(dir, "notes.txt"), "utf8"), "hello");
});

test("damage that appears after open: read() skips the damaged record, serves the rest and counts it", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 5);
  const gaps: string[] = [];
  const log = await TopicLog.open({ dir, cacheRecords: 0, onDamage: (gap) => gaps.push(gap.reason) });
  closeBeforeRemoval(t, () => log.close());
  await flipByte(join(dir, FIRST), 2 * RECORD_BYTES + RECORD_HEADER_BYTES + 3);
  assert.deepEqual((await log.read(0n, 2)).map(payloadText), ["record-0", "record-1"]);
  assert.deepEqual((await log.read(0n, 5)).map(payloadText), [
    "record-0",
    "record-1",
    "record-3",
    "record-4",
  ]);
  assert.deepEqual(
    (await log.read(2n, 1)).map((r) => r.offset),
    [3n],
  );
  assert.equal(log.stats.skippedRecords, 2);
  assert.deepEqual(gaps, ["CRC mismatch", "CRC mismatch"]);
  // The damaged last record (torn-looking) of a sealed read range is skipped too.
  await flipByte(join(dir, FIRST), 4 * RECORD_BYTES + RECORD_HEADER_BYTES + 3);
  assert.deepEqual(
    (await log.read(3n, 5)).map((r) => r.offset),
    [3n],
  );
});
