// Hostile Avro payloads: block counts and compressed blocks must be refused quickly.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateRawSync } from "node:zlib";
import { parseSchema } from "../index.ts";
import { MAX_ZERO_BYTE_ITEMS } from "./binary.ts";
import { MAX_INFLATED_BYTES } from "./container.ts";

/** Zig-zag varint of a 64-bit long. */
function long(n: bigint): number[] {
  let v = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const bytes = (b: number[]) => [...long(BigInt(b.length)), ...b];
const avro = (schema: unknown) => parseSchema("avro", JSON.stringify(schema));

/** Asserts that validation fails within `ms` and returns the first message. */
function refusedQuickly(schema: unknown, payload: number[] | Uint8Array, ms = 1000): string {
  const started = Date.now();
  const r = avro(schema).validate(Uint8Array.from(payload));
  const took = Date.now() - started;
  assert.equal(r.valid, false, "hostile payload must be invalid");
  assert.ok(took < ms, `took ${took} ms`);
  return r.errors[0]!.message;
}

function container(
  schema: unknown,
  codec: string,
  blocks: Array<{ count: bigint; data: number[] }>,
): number[] {
  const sync = new Array<number>(16).fill(7);
  const text = JSON.stringify(schema);
  const header = [
    0x4f,
    0x62,
    0x6a,
    0x01,
    ...long(2n),
    ...bytes(utf8("avro.schema")),
    ...bytes(utf8(text)),
    ...bytes(utf8("avro.codec")),
    ...bytes(utf8(codec)),
    0,
    ...sync,
  ];
  return [...header, ...blocks.flatMap((b) => [...long(b.count), ...bytes(b.data), ...sync])];
}

describe("Avro binary block counts", () => {
  const zeroByteItems: Array<[string, unknown]> = [
    ["null", "null"],
    ["an empty record", { type: "record", name: "E", fields: [] }],
    ["fixed of size 0", { type: "fixed", name: "F", size: 0 }],
    ["a record of nulls", { type: "record", name: "N", fields: [{ name: "a", type: "null" }] }],
  ];
  for (const [label, items] of zeroByteItems) {
    it(`refuses a huge count of ${label} items (a 5-byte payload)`, () => {
      assert.match(
        refusedQuickly({ type: "array", items }, [...long(100_000_000n), 0]),
        /zero-byte items exceeds the limit/,
      );
      refusedQuickly({ type: "array", items }, [...long(2n ** 62n), 0]);
      refusedQuickly({ type: "map", values: items }, [...long(2n ** 62n), 0]);
    });
  }

  it("still accepts zero-byte items up to the limit, and counts them all", () => {
    const s = avro({ type: "array", items: "null" });
    assert.equal(s.validate(Uint8Array.from([...long(BigInt(MAX_ZERO_BYTE_ITEMS)), 0])).valid, true);
    assert.equal(s.validate(Uint8Array.from([...long(3n), ...long(-2n), 0, 0])).valid, true);
    // The limit holds for the payload as a whole, not per array.
    const nested = avro({ type: "array", items: { type: "array", items: "null" } });
    const inner = [...long(BigInt(MAX_ZERO_BYTE_ITEMS / 2)), 0];
    assert.equal(nested.validate(Uint8Array.from([...long(2n), ...inner, ...inner, 0])).valid, true);
    assert.equal(
      nested.validate(Uint8Array.from([...long(3n), ...inner, ...inner, ...inner, 0])).valid,
      false,
    );
  });

  it("refuses a count of byte-taking items larger than the bytes left", () => {
    assert.match(
      refusedQuickly({ type: "array", items: "int" }, [...long(2n ** 62n), 0]),
      /exceeds the 1 byte/,
    );
    refusedQuickly({ type: "map", values: "null" }, [...long(-(2n ** 62n)), ...long(1n), 0]);
    assert.equal(
      avro({ type: "array", items: "int" }).validate(Uint8Array.from([...long(2n), 2, 4, 0])).valid,
      true,
    );
  });

  it("refuses huge record counts in container blocks", () => {
    const started = Date.now();
    const r = avro("null").validate(
      Uint8Array.from(container("null", "null", [{ count: 2n ** 62n, data: [] }])),
    );
    assert.equal(r.valid, false);
    assert.match(r.errors[0]!.message, /zero-byte items/);
    assert.ok(Date.now() - started < 1000);
    const empty = { type: "record", name: "E", fields: [] };
    const ok = avro(empty).validate(Uint8Array.from(container(empty, "null", [{ count: 3n, data: [] }])));
    assert.deepEqual(ok.errors, []);
    const longs = avro("long").validate(
      Uint8Array.from(container("long", "null", [{ count: 1000n, data: [2] }])),
    );
    assert.match(longs.errors[0]!.message, /exceeds the 1 byte/);
  });

  it("refuses a deflate block that inflates beyond the limit (zip bomb)", () => {
    const raw = Buffer.alloc(MAX_INFLATED_BYTES + 1024);
    const data = [...deflateRawSync(raw, { level: 9 })];
    const started = Date.now();
    const r = avro("long").validate(
      Uint8Array.from(container("long", "deflate", [{ count: BigInt(raw.length), data }])),
    );
    assert.equal(r.valid, false);
    assert.match(r.errors[0]!.message, /inflates beyond/);
    assert.ok(Date.now() - started < 5000);
    const small = [...deflateRawSync(Buffer.from([2, 4]))];
    assert.deepEqual(
      avro("long").validate(Uint8Array.from(container("long", "deflate", [{ count: 2n, data: small }])))
        .errors,
      [],
    );
  });
});
