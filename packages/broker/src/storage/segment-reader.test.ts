import assert from "node:assert/strict";
import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { closeBeforeRemoval, tempDir } from "../../test/temp-dir.ts";
import { TopicLog } from "./topic-log.ts";

test("sequential disk reads return every record once, each payload copied out of the read buffer", async (t) => {
  const dir = await tempDir(t);
  // No read cache and small index spacing do not matter: every read goes to the segment file.
  const log = await TopicLog.open({ dir, fsync: false, cacheRecords: 0 });
  closeBeforeRemoval(t, () => log.close());
  const payloadOf = (i: number) => new Uint8Array(1000).fill(i & 0xff);
  await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(payloadOf(i))));
  const seen: bigint[] = [];
  let from = 0n;
  for (;;) {
    const records = await log.read(from, 7);
    if (records.length === 0) break;
    for (const record of records) {
      seen.push(record.offset);
      assert.deepEqual(record.payload, payloadOf(Number(record.offset)));
      // Not a view into the 1 MiB read buffer: a copy in a 16 KiB slab shared with its neighbours.
      assert.ok(
        record.payload.buffer.byteLength <= 16 * 1024,
        `${record.payload.buffer.byteLength} bytes pinned`,
      );
    }
    from = records.at(-1)!.offset + 1n;
  }
  assert.deepEqual(
    seen,
    Array.from({ length: 300 }, (_, i) => BigInt(i)),
  );
  // Reads that do not continue a previous one (a rewind) still find their records.
  const again = await log.read(5n, 3);
  assert.deepEqual(
    again.map((r) => r.offset),
    [5n, 6n, 7n],
  );
});

test("records read earlier keep their bytes while later reads reuse the read buffer", async (t) => {
  const dir = await tempDir(t);
  const log = await TopicLog.open({ dir, fsync: false, cacheRecords: 0 });
  closeBeforeRemoval(t, () => log.close());
  // Sizes from a few bytes to 40 KB (own buffers past 8 KiB), about 6 MiB: records straddle chunks.
  const sizeOf = (i: number) => (i * 7919) % (i % 10 === 0 ? 40_000 : 3_000);
  const payloadOf = (i: number) => new Uint8Array(sizeOf(i)).fill((i * 31) & 0xff);
  const count = 1200;
  await Promise.all(Array.from({ length: count }, (_, i) => log.append(payloadOf(i))));
  const held = [];
  for (let from = 0n; from < BigInt(count); ) {
    const records = await log.read(from, 500);
    assert.ok(records.length > 0);
    held.push(...records);
    from = records.at(-1)!.offset + 1n;
  }
  assert.equal(held.length, count);
  for (const [i, record] of held.entries()) {
    assert.equal(record.offset, BigInt(i));
    assert.deepEqual(record.payload, payloadOf(i), `record ${i} after all reads`);
  }
});

test("many reads at once (more than the shared read buffers) each get their own records", async (t) => {
  const dir = await tempDir(t);
  const log = await TopicLog.open({ dir, fsync: false, cacheRecords: 0 });
  closeBeforeRemoval(t, () => log.close());
  const payloadOf = (i: number) => new Uint8Array(700 + (i % 50)).fill(i & 0xff);
  const count = 3000;
  await Promise.all(Array.from({ length: count }, (_, i) => log.append(payloadOf(i))));
  const starts = Array.from({ length: 12 }, (_, k) => k * 250);
  const reads = await Promise.all(starts.map((from) => log.read(BigInt(from), 400)));
  for (const [k, records] of reads.entries()) {
    assert.ok(records.length > 0);
    for (const [j, record] of records.entries()) {
      const i = starts[k]! + j;
      assert.equal(record.offset, BigInt(i));
      assert.deepEqual(record.payload, payloadOf(i), `read ${k}, record ${i}`);
    }
  }
});

/** How many of this process's file descriptors are open on `path` (Linux /proc). */
async function openCount(path: string): Promise<number> {
  let count = 0;
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(join("/proc/self/fd", fd)).catch(() => "");
    if (target === path) count++;
  }
  return count;
}

test("reads keep the segment file open (once), and closing the log closes it", {
  skip: process.platform !== "linux" && "needs /proc/self/fd",
}, async (t) => {
  const dir = await tempDir(t);
  const log = await TopicLog.open({ dir, fsync: false, cacheRecords: 0 });
  closeBeforeRemoval(t, () => log.close());
  await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(new Uint8Array([i]))));
  const segment = join(dir, "00000000000000000000.log");
  // The active segment's write handle is open too: count what reads add.
  const before = await openCount(segment);
  for (let from = 0n; from < 50n; from += 5n) {
    const records = await log.read(from, 5);
    assert.deepEqual(
      records.map((r) => r.offset),
      [0n, 1n, 2n, 3n, 4n].map((i) => from + i),
    );
    assert.equal(await openCount(segment), before + 1, "one read handle, kept between reads");
  }
  await log.close();
  assert.equal(await openCount(segment), 0, "nothing left open");
});
