import assert from "node:assert/strict";
import {
  appendFile,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  unlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { test } from "node:test";
import { StorageError } from "./errors.ts";
import { encodeRecord, RECORD_HEADER_BYTES } from "./record-format.ts";
import type { LogRecord } from "./topic-log.ts";
import { TopicLog } from "./topic-log.ts";

const FIRST = "00000000000000000000.log";
const PAYLOAD_BYTES = 30;
const RECORD_BYTES = RECORD_HEADER_BYTES + PAYLOAD_BYTES;

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "danube-recovery-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

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
  t.after(() => log.close());
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

/** Checks that exactly records [0, count) are served, then that appends continue at `count`. */
async function assertServes(log: TopicLog, count: number): Promise<void> {
  assert.equal(log.nextOffset, BigInt(count));
  assert.equal(log.committedOffset, BigInt(count));
  const records = await log.read(0n, 1000);
  assert.deepEqual(
    records.map(payloadText),
    Array.from({ length: count }, (_, i) => `record-${i}`),
  );
  assert.deepEqual(
    records.map((r) => r.offset),
    Array.from({ length: count }, (_, i) => BigInt(i)),
  );
  assert.equal(await log.append(payload(count)), BigInt(count));
  assert.equal(payloadText((await log.read(BigInt(count), 1))[0]), `record-${count}`);
}

test("a torn tail (short payload) is truncated; complete records are served and offsets continue", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 10);
  await truncate(join(dir, FIRST), 10 * RECORD_BYTES - 5);
  const log = await reopen(t, dir);
  assert.equal(log.recovery.records, 9);
  assert.equal(log.recovery.truncatedBytes, RECORD_BYTES - 5);
  assert.match(log.recovery.reason ?? "", /short payload/);
  assert.equal((await stat(join(dir, FIRST))).size, 9 * RECORD_BYTES);
  await assertServes(log, 9);
  await log.close();
  const again = await reopen(t, dir);
  assert.deepEqual(again.recovery, { segments: 1, records: 10, truncatedBytes: 0 });
});

test("a torn header is truncated", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 4);
  await truncate(join(dir, FIRST), 3 * RECORD_BYTES + 7);
  const log = await reopen(t, dir);
  assert.equal(log.recovery.truncatedBytes, 7);
  assert.match(log.recovery.reason ?? "", /short header/);
  await assertServes(log, 3);
});

test("a flipped byte in a payload: earlier records served, the corrupt one and all after it removed", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 10);
  await flipByte(join(dir, FIRST), 6 * RECORD_BYTES + RECORD_HEADER_BYTES + 12);
  const log = await reopen(t, dir);
  assert.equal(log.recovery.records, 6);
  assert.equal(log.recovery.truncatedBytes, 4 * RECORD_BYTES);
  assert.match(log.recovery.reason ?? "", /CRC mismatch/);
  assert.match(log.recovery.reason ?? "", /offset 6/);
  await assertServes(log, 6);
});

test("corruption in an early segment removes the rest of it and every later segment", async (t) => {
  const dir = await tempDir(t);
  const segmentBytes = 3 * RECORD_BYTES; // 3 records per segment
  await writeLog(dir, 12, segmentBytes);
  assert.equal((await readdir(dir)).length, 4);
  await flipByte(join(dir, "00000000000000000003.log"), RECORD_BYTES + 9); // offset field of record 4
  const log = await reopen(t, dir, segmentBytes);
  assert.equal(log.recovery.segments, 2);
  assert.equal(log.recovery.records, 4);
  assert.equal(log.recovery.truncatedBytes, 8 * RECORD_BYTES);
  assert.deepEqual((await readdir(dir)).sort(), [FIRST, "00000000000000000003.log"]);
  await assertServes(log, 4);
});

test("garbage appended after valid data is truncated", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 5);
  const garbage = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff));
  await appendFile(join(dir, FIRST), garbage);
  const log = await reopen(t, dir);
  assert.equal(log.recovery.records, 5);
  assert.equal(log.recovery.truncatedBytes, 100);
  await assertServes(log, 5);
});

test("a zero-filled tail is rejected by the magic check", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 3);
  await appendFile(join(dir, FIRST), Buffer.alloc(4096));
  const log = await reopen(t, dir);
  assert.equal(log.recovery.truncatedBytes, 4096);
  assert.match(log.recovery.reason ?? "", /bad magic/);
  await assertServes(log, 3);
});

test("a valid record with a non-contiguous offset is truncated", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 3);
  const stray = Buffer.alloc(RECORD_BYTES);
  encodeRecord(stray, 0, 7n, payload(7));
  await appendFile(join(dir, FIRST), stray);
  const log = await reopen(t, dir);
  assert.equal(log.recovery.truncatedBytes, RECORD_BYTES);
  assert.match(log.recovery.reason ?? "", /non-contiguous offset 7 \(expected 3\)/);
  await assertServes(log, 3);
});

test("a missing middle segment: the segments after the gap are deleted", async (t) => {
  const dir = await tempDir(t);
  const segmentBytes = 2 * RECORD_BYTES;
  await writeLog(dir, 8, segmentBytes);
  await unlink(join(dir, "00000000000000000002.log"));
  const log = await reopen(t, dir, segmentBytes);
  assert.equal(log.recovery.records, 2);
  assert.equal(log.recovery.truncatedBytes, 4 * RECORD_BYTES);
  assert.match(log.recovery.reason ?? "", /starts at offset 4, expected 2/);
  assert.deepEqual(await readdir(dir), [FIRST]);
  await assertServes(log, 2);
});

test("an empty segment file left by a crash during a roll becomes the active segment", async (t) => {
  const dir = await tempDir(t);
  const segmentBytes = 2 * RECORD_BYTES;
  await writeLog(dir, 4, segmentBytes);
  await writeFile(join(dir, "00000000000000000004.log"), "");
  const log = await reopen(t, dir, segmentBytes);
  assert.deepEqual(log.recovery, { segments: 3, records: 4, truncatedBytes: 0 });
  await assertServes(log, 4);
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

test("corruption that appears after open is reported by read(), never served", async (t) => {
  const dir = await tempDir(t);
  await writeLog(dir, 5);
  const log = await reopen(t, dir);
  await flipByte(join(dir, FIRST), 2 * RECORD_BYTES + RECORD_HEADER_BYTES + 3);
  assert.deepEqual((await log.read(0n, 2)).map(payloadText), ["record-0", "record-1"]);
  await assert.rejects(log.read(0n, 5), (e: unknown) => e instanceof StorageError && e.code === "CORRUPT");
  await assert.rejects(log.read(2n, 1), (e: unknown) => e instanceof StorageError && e.code === "CORRUPT");
});
