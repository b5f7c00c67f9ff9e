import assert from "node:assert/strict";
import { test } from "node:test";
import { createRouter, fnv1a64, partitionForKey } from "./router.ts";

// danube-client-behaviour.md appendix A: key, FNV-1a 64, % 2, % 3, % 4.
const vectors: Array<[string, bigint, number, number, number]> = [
  ["", 0xcbf29ce484222325n, 1, 2, 1],
  ["keyA", 0x581995d75cbd55f7n, 1, 1, 3],
  ["keyB", 0x581996d75cbd57aan, 0, 2, 2],
  ["payment", 0xc1f69fc9824b6931n, 1, 0, 1],
  ["shipping", 0x32dc79fad303b063n, 1, 2, 3],
  ["invoice", 0x2358484a94534cf0n, 0, 0, 0],
  ["return", 0xc5c7b983377cad5fn, 1, 1, 3],
  ["order-123", 0x1b96f9c28b5d5aban, 0, 0, 2],
];

test("fnv1a64 matches the standard vectors", () => {
  assert.equal(fnv1a64("a"), 0xaf63dc4c8601ec8cn);
  assert.equal(fnv1a64("foobar"), 0x85944171f73967e8n);
});

for (const [key, hash, mod2, mod3, mod4] of vectors) {
  test(`appendix A vector ${JSON.stringify(key)}`, () => {
    assert.equal(fnv1a64(key), hash);
    assert.equal(partitionForKey(key, 2), mod2);
    assert.equal(partitionForKey(key, 3), mod3);
    assert.equal(partitionForKey(key, 4), mod4);
  });
}

test("fnv1a64 hashes strings as UTF-8", () => {
  assert.equal(fnv1a64("é"), fnv1a64(new Uint8Array([0xc3, 0xa9])));
});

test("round robin starts at partition 0 and wraps", () => {
  const router = createRouter(3);
  assert.deepEqual(
    Array.from({ length: 7 }, () => router.next()),
    [0, 1, 2, 0, 1, 2, 0],
  );
});

test("keyed routing does not advance the round robin and is stable", () => {
  const router = createRouter(4);
  assert.equal(router.next(), 0);
  assert.equal(router.next("keyA"), 3);
  assert.equal(router.next("keyA"), 3);
  assert.equal(router.next(), 1);
});

test("a single partition always routes to 0", () => {
  const router = createRouter(1);
  assert.deepEqual([router.next(), router.next("keyA"), router.next()], [0, 0, 0]);
});
