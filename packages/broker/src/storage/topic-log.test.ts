import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { test } from "node:test";
import { closeBeforeRemoval, tempDir } from "../../test/temp-dir.ts";
import { StorageError } from "./errors.ts";
import { writeFully } from "./fs-sync.ts";
import type { RecordHeader } from "./record-format.ts";
import { decodeRecord, RECORD_HEADER_BYTES } from "./record-format.ts";
import type { Segment } from "./segment.ts";
import type { LogRecord, TopicLogOptions, WriteFn } from "./topic-log.ts";
import { TopicLog } from "./topic-log.ts";

async function openLog(
  t: TestContext,
  options: Partial<TopicLogOptions> & { dir: string },
): Promise<TopicLog> {
  const log = await TopicLog.open(options);
  closeBeforeRemoval(t, () => log.close());
  return log;
}

const text = (s: string) => new TextEncoder().encode(s);
const decode = (records: LogRecord[]) =>
  records.map((r) => [r.offset, new TextDecoder().decode(r.payload)] as [bigint, string]);

/** Patches FileHandle.prototype.datasync for the duration of the test; calls `before` first. */
async function spyOnDatasync(t: TestContext, before: () => void): Promise<void> {
  const probe = await open(tmpdir(), "r");
  const proto = Object.getPrototypeOf(probe) as { datasync: FileHandle["datasync"] };
  await probe.close();
  const original = proto.datasync;
  proto.datasync = function (this: FileHandle) {
    before();
    return original.call(this);
  };
  t.after(() => {
    proto.datasync = original;
  });
}

/** Counts the valid records at the start of a segment file, reading it synchronously. */
function durableRecords(path: string): number {
  const bytes = readFileSync(path);
  const header: RecordHeader = { offset: 0n, length: 0 };
  let pos = 0;
  let count = 0;
  while (decodeRecord(bytes, pos, bytes.length, header) === "ok") {
    pos += RECORD_HEADER_BYTES + header.length;
    count++;
  }
  return count;
}

test("a new log starts empty at offset 0", async (t) => {
  const dir = join(await tempDir(t), "nested", "topic");
  const log = await openLog(t, { dir });
  assert.equal(log.nextOffset, 0n);
  assert.equal(log.committedOffset, 0n);
  assert.deepEqual(log.recovery, {
    segments: 1,
    records: 0,
    truncatedBytes: 0,
    damagedBytes: 0,
    lost: [],
    quarantined: [],
  });
  assert.deepEqual(await log.read(0n, 10), []);
  assert.deepEqual(await readdir(dir), ["00000000000000000000.log"]);
});

test("append then read round-trips payloads with contiguous offsets", async (t) => {
  const log = await openLog(t, { dir: await tempDir(t) });
  const payloads = [text("first"), new Uint8Array(0), new Uint8Array(5000).fill(7), text("last")];
  const offsets: bigint[] = [];
  for (const payload of payloads) offsets.push(await log.append(payload));
  assert.deepEqual(offsets, [0n, 1n, 2n, 3n]);
  assert.equal(log.nextOffset, 4n);
  assert.equal(log.committedOffset, 4n);
  const records = await log.read(0n, 100);
  assert.deepEqual(
    records.map((r) => r.offset),
    offsets,
  );
  for (const [i, r] of records.entries()) assert.deepEqual(r.payload, payloads[i]);
});

test("the read cache hands back the appended payload; the stored record is its copy", async (t) => {
  const dir = await tempDir(t);
  const log = await TopicLog.open({ dir });
  const payload = text("original");
  assert.equal(await log.append(payload), 0n);
  const [cached] = await log.read(0n, 1);
  assert.equal(cached?.payload, payload, "the cache keeps the caller's bytes (callers must not modify them)");
  await log.close();
  const reopened = await openLog(t, { dir });
  assert.deepEqual(decode(await reopened.read(0n, 1)), [[0n, "original"]]);
});

test("batch buffers are reused: every record reads back intact from the cache and from disk", async (t) => {
  const dir = await tempDir(t);
  // The buffer each batch is written from: a reused one shows up again.
  const written: Uint8Array[] = [];
  const write: WriteFn = (handle, bytes, length, position) => {
    written.push(bytes);
    return writeFully(handle, bytes, length, position);
  };
  const log = await TopicLog.open({ dir, cacheRecords: 1_000, write });
  const expected: string[] = [];
  // Batches of growing and shrinking sizes, each appended after the previous one is durable, so
  // later batches are encoded into the buffers of earlier ones.
  for (const [round, size] of [1, 5, 40, 3, 1, 200, 7, 2].entries()) {
    const batch: Promise<bigint>[] = [];
    for (let i = 0; i < size; i++) {
      const value = `r${round}-${i}-${"x".repeat((i * 37) % 300)}`;
      expected.push(value);
      batch.push(log.append(text(value)));
    }
    await Promise.all(batch);
  }
  assert.ok(
    new Set(written).size < written.length,
    `${written.length} batches written from ${new Set(written).size} buffers: none was reused`,
  );
  const want = expected.map((value, i) => [BigInt(i), value] as [bigint, string]);
  assert.deepEqual(decode(await log.read(0n, 10_000)), want, "from the cache");
  await log.close();
  const reopened = await openLog(t, { dir, cacheRecords: 0 });
  assert.deepEqual(decode(await reopened.read(0n, 10_000)), want, "from disk");
});

test("offsets continue after close and reopen, and records are read back from disk", async (t) => {
  const dir = await tempDir(t);
  const first = await TopicLog.open({ dir });
  for (let i = 0; i < 5; i++) await first.append(text(`r${i}`));
  await first.close();

  const second = await openLog(t, { dir });
  assert.deepEqual(second.recovery, {
    segments: 1,
    records: 5,
    truncatedBytes: 0,
    damagedBytes: 0,
    lost: [],
    quarantined: [],
  });
  assert.equal(second.nextOffset, 5n);
  assert.equal(second.committedOffset, 5n);
  assert.equal(await second.append(text("r5")), 5n);
  assert.deepEqual(decode(await second.read(0n, 10)), [
    [0n, "r0"],
    [1n, "r1"],
    [2n, "r2"],
    [3n, "r3"],
    [4n, "r4"],
    [5n, "r5"],
  ]);
});

test("1000 concurrent appends get contiguous offsets in call order with few fsyncs", async (t) => {
  let datasyncs = 0;
  await spyOnDatasync(t, () => datasyncs++);
  const dir = await tempDir(t);
  const log = await openLog(t, { dir });
  const appended = Array.from({ length: 1000 }, (_, i) => log.append(text(`message-${i}`)));
  assert.equal(log.nextOffset, 1000n, "offsets are assigned at call time");
  assert.equal(log.committedOffset, 0n, "nothing is committed before the write");
  const offsets = await Promise.all(appended);
  assert.deepEqual(
    offsets,
    Array.from({ length: 1000 }, (_, i) => BigInt(i)),
  );
  assert.equal(log.committedOffset, 1000n);
  assert.equal(log.stats.records, 1000);
  // One datasync per commit, plus one for the high-water reservation (every 1,024 offsets).
  assert.equal(datasyncs, log.stats.commits + 1, "one datasync per commit");
  assert.ok(log.stats.commits <= 10, `expected few commits, got ${log.stats.commits}`);
  const records = await log.read(0n, 2000);
  assert.equal(records.length, 1000);
  for (const [i, r] of records.entries()) assert.equal(new TextDecoder().decode(r.payload), `message-${i}`);
  assert.equal(durableRecords(join(dir, "00000000000000000000.log")), 1000);
});

test("appends arriving during a write are batched into the next commit", async (t) => {
  const log = await openLog(t, { dir: await tempDir(t) });
  const first = log.append(text("alone"));
  await new Promise((resolve) => setImmediate(resolve)); // the first batch is being written (or done)
  const rest = Array.from({ length: 500 }, (_, i) => log.append(text(`m${i}`)));
  await Promise.all([first, ...rest]);
  assert.equal(log.stats.commits, 2);
  assert.equal(log.stats.records, 501);
});

test("segments roll at segmentBytes and reads cross segment boundaries", async (t) => {
  const dir = await tempDir(t);
  // 20-byte header + 50-byte payload = 70 bytes: a segment reaches 200 bytes after 3 records.
  const payload = (i: number) => text(`record-${String(i).padStart(2, "0")}`.padEnd(50, "."));
  const log = await TopicLog.open({ dir, segmentBytes: 200 });
  for (let i = 0; i < 20; i++) assert.equal(await log.append(payload(i)), BigInt(i));
  assert.equal(log.stats.segments, 7);
  assert.deepEqual((await readdir(dir)).sort(), [
    "00000000000000000000.log",
    "00000000000000000003.log",
    "00000000000000000006.log",
    "00000000000000000009.log",
    "00000000000000000012.log",
    "00000000000000000015.log",
    "00000000000000000018.log",
    "high-water",
  ]);
  assert.equal((await stat(join(dir, "00000000000000000003.log"))).size, 210);
  const cached = await log.read(2n, 5);
  assert.deepEqual(
    cached.map((r) => r.offset),
    [2n, 3n, 4n, 5n, 6n],
  );
  await log.close();

  const reopened = await openLog(t, { dir, segmentBytes: 200 });
  assert.deepEqual(reopened.recovery, {
    segments: 7,
    records: 20,
    truncatedBytes: 0,
    damagedBytes: 0,
    lost: [],
    quarantined: [],
  });
  const all = await reopened.read(0n, 100);
  assert.equal(all.length, 20);
  all.forEach((r, i) => {
    assert.equal(r.offset, BigInt(i));
    assert.deepEqual(r.payload, payload(i));
  });
  const across = await reopened.read(5n, 5);
  assert.deepEqual(
    across.map((r) => r.offset),
    [5n, 6n, 7n, 8n, 9n],
  );
  assert.equal(await reopened.append(payload(20)), 20n);
  assert.equal(reopened.stats.segments, 7, "the last segment (2 records) takes a third");
  assert.equal(await reopened.append(payload(21)), 21n);
  assert.equal(reopened.stats.segments, 8, "the full last segment rolls on the next append");
  assert.ok((await readdir(dir)).includes("00000000000000000021.log"));
});

for (const source of ["memory cache", "disk"]) {
  test(`read() honours fromOffset, maxRecords and maxBytes (${source})`, async (t) => {
    const log = await openLog(t, { dir: await tempDir(t), cacheRecords: source === "disk" ? 0 : 1024 });
    for (let i = 0; i < 10; i++) await log.append(new Uint8Array(100).fill(i));
    const offsets = (records: LogRecord[]) => records.map((r) => r.offset);
    assert.deepEqual(offsets(await log.read(0n, 3)), [0n, 1n, 2n]);
    assert.deepEqual(offsets(await log.read(8n, 5)), [8n, 9n]);
    assert.deepEqual(await log.read(10n, 5), []);
    assert.deepEqual(await log.read(1000n, 5), []);
    assert.deepEqual(await log.read(0n, 0), []);
    assert.deepEqual(offsets(await log.read(3n, 10, 250)), [3n, 4n]);
    assert.deepEqual(offsets(await log.read(3n, 10, 200)), [3n, 4n]);
    assert.deepEqual(
      offsets(await log.read(3n, 10, 50)),
      [3n],
      "at least one record even if larger than maxBytes",
    );
    const [record] = await log.read(7n, 1);
    assert.deepEqual(record.payload, new Uint8Array(100).fill(7));
  });
}

test("the sparse index lets reads start in the middle of a large segment", async (t) => {
  const dir = await tempDir(t);
  const log = await openLog(t, { dir, cacheRecords: 0 });
  await Promise.all(Array.from({ length: 2000 }, (_, i) => log.append(text(`value-${i}`))));
  const [segment] = (log as unknown as { segments: Segment[] }).segments;
  assert.ok(segment.indexEntries >= 2000 / 64, `index entries: ${segment.indexEntries}`);
  assert.deepEqual(decode(await log.read(1234n, 3)), [
    [1234n, "value-1234"],
    [1235n, "value-1235"],
    [1236n, "value-1236"],
  ]);
  const entry = segment.lookup(1234n);
  assert.ok(entry.offset <= 1234n && entry.offset > 1234n - 64n, `index entry at ${entry.offset}`);
});

test("committedOffset never runs ahead of durable data", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "00000000000000000000.log");
  let log: TopicLog | undefined;
  const violations: string[] = [];
  await spyOnDatasync(t, () => {
    // While a batch is being synced, it is not yet committed.
    if (log && log.committedOffset === log.nextOffset)
      violations.push("committed everything before datasync");
  });
  log = await openLog(t, { dir });
  const current = log;
  current.onCommit((committed) => {
    const onDisk = durableRecords(path);
    if (BigInt(onDisk) < committed) violations.push(`committed ${committed} with ${onDisk} records on disk`);
  });
  const pending: Promise<bigint>[] = [];
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 25; i++) pending.push(current.append(text(`r${round}-${i}`)));
    assert.ok(current.committedOffset < current.nextOffset);
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (const p of pending) {
    const offset = await p;
    assert.ok(current.committedOffset > offset, "resolved only once committed");
  }
  assert.deepEqual(violations, []);
  assert.equal(current.committedOffset, 500n);
  assert.equal(durableRecords(path), 500);
});

test("onCommit reports each new committedOffset until unsubscribed", async (t) => {
  const log = await openLog(t, { dir: await tempDir(t) });
  const seen: bigint[] = [];
  const unsubscribe = log.onCommit((offset) => seen.push(offset));
  log.onCommit(() => {
    throw new Error("a failing listener does not break the log");
  });
  await log.append(text("a"));
  await Promise.all([log.append(text("b")), log.append(text("c"))]);
  unsubscribe();
  await log.append(text("d"));
  assert.deepEqual(seen, [1n, 3n]);
  assert.equal(log.committedOffset, 4n);
});

test("close() waits for pending appends; appends and reads after close reject", async (t) => {
  const dir = await tempDir(t);
  const log = await TopicLog.open({ dir });
  const pending = Array.from({ length: 10 }, (_, i) => log.append(text(`p${i}`)));
  const closed = log.close();
  await assert.rejects(
    log.append(text("late")),
    (e: unknown) => e instanceof StorageError && e.code === "CLOSED",
  );
  await closed;
  assert.deepEqual(
    await Promise.all(pending),
    Array.from({ length: 10 }, (_, i) => BigInt(i)),
  );
  await log.close();
  await assert.rejects(log.read(0n, 1), (e: unknown) => e instanceof StorageError && e.code === "CLOSED");
  const reopened = await openLog(t, { dir });
  assert.equal(reopened.nextOffset, 10n);
});

test("a failed write rejects its batch and the log fails closed", async (t) => {
  const log = await openLog(t, { dir: await tempDir(t) });
  await log.append(text("durable"));
  // Simulate the disk going away under the log.
  await (log as unknown as { handle: FileHandle }).handle.close();
  const batch = [log.append(text("lost-1")), log.append(text("lost-2"))];
  for (const p of batch) {
    await assert.rejects(p, (e: unknown) => e instanceof StorageError && e.code === "IO");
  }
  await assert.rejects(
    log.append(text("after")),
    (e: unknown) => e instanceof StorageError && e.code === "FAILED",
  );
  assert.equal(log.committedOffset, 1n);
  assert.deepEqual(decode(await log.read(0n, 10)), [[0n, "durable"]]);
});

test("destroy() closes the log and deletes its folder", async (t) => {
  const dir = join(await tempDir(t), "topic");
  const log = await TopicLog.open({ dir });
  await log.append(text("x"));
  await log.destroy();
  await assert.rejects(stat(dir), { code: "ENOENT" });
  await assert.rejects(
    log.append(text("y")),
    (e: unknown) => e instanceof StorageError && e.code === "CLOSED",
  );
});

test("open() rejects an invalid segmentBytes", async (t) => {
  await assert.rejects(
    TopicLog.open({ dir: await tempDir(t), segmentBytes: 0 }),
    (e: unknown) => e instanceof StorageError && e.code === "INVALID_ARGUMENT",
  );
});
