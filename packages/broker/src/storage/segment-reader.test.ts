import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { TopicLog } from "./topic-log.ts";

test("sequential disk reads return every record once, each payload in a buffer sized to its read", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "danube-segment-reader-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // No read cache and small index spacing do not matter: every read goes to the segment file.
  const log = await TopicLog.open({ dir, fsync: false, cacheRecords: 0 });
  t.after(() => log.close());
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
      // Not a view into a 128 KiB read chunk: one small buffer per read, holding just these records.
      assert.ok(
        record.payload.buffer.byteLength <= 7 * 1000,
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
