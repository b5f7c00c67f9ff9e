import assert from "node:assert/strict";
import { test } from "node:test";
import { fnv1a64 } from "@danube-ts/protocol";
import type { ConsumerHandle } from "./consumer.ts";
import { KeyRing, ringHash } from "./key-ring.ts";

const fake = (id: bigint) => ({ id }) as ConsumerHandle;

test("ring hash is deterministic 32-bit and spreads keys", () => {
  assert.equal(ringHash("order-1"), ringHash("order-1"));
  const values = new Set(Array.from({ length: 1000 }, (_, i) => ringHash(`k${i}`)));
  assert.ok(values.size > 990);
  for (const v of values) assert.ok(v >= 0 && v <= 0xffffffff);
});

test("each key maps to one consumer, keys spread over consumers, and removal only moves the removed consumer's keys", () => {
  const consumers = [fake(11n), fake(22n), fake(33n)];
  const ring = new KeyRing(consumers);
  const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
  const owners = new Map(keys.map((k) => [k, ring.lookup(k)]));
  for (const k of keys) assert.equal(ring.lookup(k), owners.get(k));
  const counts = consumers.map((c) => keys.filter((k) => owners.get(k) === c).length);
  for (const n of counts) assert.ok(n > 30, `unbalanced ring: ${counts}`);

  const smaller = new KeyRing([consumers[0]!, consumers[1]!]);
  for (const k of keys) {
    if (owners.get(k) !== consumers[2])
      assert.equal(smaller.lookup(k), owners.get(k), `${k} moved needlessly`);
  }
});

test("lookup restricted to eligible consumers", () => {
  const consumers = [fake(1n), fake(2n), fake(3n)];
  const ring = new KeyRing(consumers);
  const only = new Set([consumers[1]!]);
  for (let i = 0; i < 50; i++) assert.equal(ring.lookup(`k${i}`, only), consumers[1]);
  assert.equal(new KeyRing([]).lookup("k"), undefined);
});

test("FNV-1a 64 matches the published test vectors, and hashes megabyte keys quickly", () => {
  assert.equal(fnv1a64(""), 0xcbf29ce484222325n);
  assert.equal(fnv1a64("a"), 0xaf63dc4c8601ec8cn);
  assert.equal(fnv1a64("foobar"), 0x85944171f73967e8n);
  const started = process.cpuUsage();
  fnv1a64("k".repeat(4 * 1024 * 1024));
  // CPU time, not wall time (CI machines are shared): bigint arithmetic took over 500 ms here,
  // limb arithmetic takes a few tens of ms.
  const used = process.cpuUsage(started);
  const ms = (used.user + used.system) / 1000;
  assert.ok(ms < 200, `hashing a 4 MiB routing key took ${ms} ms of CPU`);
});
