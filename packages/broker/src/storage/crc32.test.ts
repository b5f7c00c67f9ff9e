import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "./crc32.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

/** Bit-at-a-time reference implementation. */
function referenceCrc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test("crc32 matches the standard check values", () => {
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(bytes("123456789")), 0xcbf43926);
  assert.equal(crc32(bytes("The quick brown fox jumps over the lazy dog")), 0x414fa339);
  assert.equal(crc32(new Uint8Array(32)), 0x190a55ad);
});

test("crc32 agrees with a bitwise implementation for every length and alignment", () => {
  const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= data.length; end += 13) {
      assert.equal(crc32(data, start, end), referenceCrc32(data.subarray(start, end)), `[${start}, ${end})`);
    }
  }
});

test("crc32 continues across pieces", () => {
  const data = bytes("hello, incremental checksum world");
  const whole = crc32(data);
  for (const cut of [0, 1, 7, 8, 20, data.length]) {
    assert.equal(crc32(data, cut, data.length, crc32(data, 0, cut)), whole);
  }
});

test("a record written by the earlier table-driven CRC still verifies (on-disk format unchanged)", async () => {
  const { decodeRecord } = await import("./record-format.ts");
  // Offset 42, payload "hello", encoded and checksummed by the JavaScript CRC this file replaced.
  const record = Buffer.from("914e1351db0100002a000000000000000500000068656c6c6f", "hex");
  const header = { offset: 0n, length: 0 };
  assert.equal(decodeRecord(record, 0, record.length, header), "ok");
  assert.deepEqual(header, { offset: 42n, length: 5 });
  record[24] ^= 1;
  assert.equal(decodeRecord(record, 0, record.length, header), "bad-crc");
});
