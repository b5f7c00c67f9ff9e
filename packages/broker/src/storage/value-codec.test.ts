import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeValue, deepFreeze, encodeValue } from "./value-codec.ts";

const roundTrip = (value: unknown) => decodeValue(JSON.parse(JSON.stringify(encodeValue(value))));

test("bigint and bytes are tagged and round-trip exactly", () => {
  const value = {
    id: 18446744073709551615n,
    negative: -42n,
    data: new Uint8Array([0, 1, 254, 255]),
    list: [1n, "two", 3, null, true],
    nested: { empty: new Uint8Array(0) },
  };
  assert.deepEqual(encodeValue({ n: 5n, b: new Uint8Array([1, 2]) }), {
    n: { $bigint: "5" },
    b: { $bytes: "AQI=" },
  });
  assert.deepEqual(roundTrip(value), value);
  assert.deepEqual(roundTrip(Buffer.from("hi")), new Uint8Array([104, 105]));
});

test("user objects that look like tags are escaped", () => {
  for (const value of [{ $bigint: "1" }, { $bytes: "AA==" }, { $esc: { $bigint: "1" } }, { $x: 1n }]) {
    assert.deepEqual(roundTrip(value), value);
  }
  assert.deepEqual(roundTrip({ $bigint: "1", other: 2 }), { $bigint: "1", other: 2 });
});

test("JSON semantics for everything else", () => {
  assert.deepEqual(roundTrip({ a: undefined, b: () => 1, c: Number.NaN, d: [undefined], e: new Date(0) }), {
    c: null,
    d: [null],
    e: "1970-01-01T00:00:00.000Z",
  });
  const proto = roundTrip(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.deepEqual(Object.keys(proto), ["__proto__"]);
  assert.throws(() => encodeValue(undefined), TypeError);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.throws(() => encodeValue(cycle), /circular/);
  const shared = { x: 1 };
  assert.deepEqual(
    roundTrip([shared, shared]),
    [{ x: 1 }, { x: 1 }],
    "shared (non-circular) references are fine",
  );
});

test("deepFreeze freezes objects and arrays but leaves bytes alone", () => {
  const value = deepFreeze({ a: { b: [1, { c: 2 }] }, bytes: new Uint8Array([1]) });
  assert.ok(Object.isFrozen(value.a.b[1]));
  assert.throws(() => {
    (value.a as { b: unknown }).b = 1;
  }, TypeError);
  value.bytes[0] = 9;
  assert.equal(value.bytes[0], 9);
});
