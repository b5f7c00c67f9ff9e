import assert from "node:assert/strict";
import { test } from "node:test";
import type { LogRecord } from "./record-cache.ts";
import { RecordCache } from "./record-cache.ts";

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

test("the cache keeps the newest records within its record limit", () => {
  const cache = new RecordCache(3, 1_000_000);
  for (let i = 0; i < 5; i++) cache.push(BigInt(i), bytes(1, i));
  assert.equal(cache.firstOffset, 2n);
  assert.equal(cache.endOffset, 5n);
  assert.equal(cache.has(1n), false);
  assert.equal(cache.has(4n), true);
  const out: LogRecord[] = [];
  cache.readInto(out, 3n, 5n, 10, Number.POSITIVE_INFINITY, 0);
  assert.deepEqual(out, [
    { offset: 3n, payload: bytes(1, 3) },
    { offset: 4n, payload: bytes(1, 4) },
  ]);
});

test("the cache evicts by bytes but keeps at least one record", () => {
  const cache = new RecordCache(100, 250);
  for (let i = 0; i < 4; i++) cache.push(BigInt(i), bytes(100, i));
  assert.equal(cache.firstOffset, 2n, "two 100-byte records fit in 250 bytes");
  cache.push(4n, bytes(1000, 4));
  assert.equal(cache.size, 1);
  assert.equal(cache.firstOffset, 4n);
});

test("readInto stops at upTo, maxRecords and maxBytes", () => {
  const cache = new RecordCache(100, 1_000_000);
  for (let i = 0; i < 10; i++) cache.push(BigInt(i), bytes(10, i));
  const read = (from: bigint, upTo: bigint, max: number, maxBytes: number) => {
    const out: LogRecord[] = [];
    cache.readInto(out, from, upTo, max, maxBytes, 0);
    return out.map((r) => r.offset);
  };
  assert.deepEqual(read(0n, 3n, 10, 1000), [0n, 1n, 2n]);
  assert.deepEqual(read(5n, 10n, 2, 1000), [5n, 6n]);
  assert.deepEqual(read(5n, 10n, 10, 25), [5n, 6n]);
  assert.deepEqual(read(5n, 10n, 10, 5), [5n]);
});

test("a push that does not continue the run restarts the cache", () => {
  const cache = new RecordCache(10, 1000);
  cache.push(0n, bytes(1, 0));
  cache.push(1n, bytes(1, 1));
  cache.push(7n, bytes(1, 7));
  assert.equal(cache.firstOffset, 7n);
  assert.equal(cache.size, 1);
});
