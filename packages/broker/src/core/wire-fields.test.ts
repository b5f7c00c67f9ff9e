import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { WireFields } from "./wire-fields.ts";

test("walks a generated encoding field by field", () => {
  const bytes = danube.StreamMessage.encode(
    danube.StreamMessage.fromPartial({
      requestId: 300n,
      msgId: { producerId: 7n, topicName: "/default/t", brokerAddr: "", topicOffset: 0n },
      payload: new Uint8Array(200).fill(1),
      publishTime: 2n ** 62n,
      producerName: "p",
    }),
  ).finish();
  const fields = new WireFields(bytes);
  const seen: Array<[number, unknown]> = [];
  while (fields.more()) {
    const tag = fields.tag();
    if (tag === 1 << 3 || tag === 4 << 3) seen.push([tag >>> 3, fields.uint64()]);
    else if ((tag & 7) === 2) {
      const start = fields.lengthDelimited();
      seen.push([tag >>> 3, fields.pos - start]);
    } else assert.fail(`unexpected tag ${tag}`);
  }
  assert.equal(fields.error, undefined);
  assert.equal(fields.pos, bytes.length);
  const msgIdLength = danube.MsgID.encode({
    producerId: 7n,
    topicName: "/default/t",
    brokerAddr: "",
    topicOffset: 0n,
  }).finish().length;
  assert.deepEqual(seen, [
    [1, 300n],
    [2, msgIdLength],
    [3, 200],
    [4, 2n ** 62n],
    [5, 1],
  ]);
});

test("uint64 reads 64-bit varints as the generated decoder does", () => {
  for (const value of [
    1n,
    127n,
    128n,
    2n ** 28n - 1n,
    2n ** 28n,
    2n ** 53n + 1n,
    2n ** 63n,
    2n ** 64n - 1n,
  ]) {
    const bytes = danube.MsgID.encode({
      producerId: value,
      topicName: "",
      brokerAddr: "",
      topicOffset: 0n,
    }).finish();
    const fields = new WireFields(bytes);
    assert.equal(fields.tag(), 1 << 3);
    assert.equal(fields.uint64(), value);
    assert.equal(fields.pos, bytes.length);
  }
  // A 10th byte above 1 carries bits past the 64th: dropped, as by the generated decoder.
  const overlong = Uint8Array.from([8, ...Array(9).fill(0xff), 0x7f]);
  const fields = new WireFields(overlong, 1);
  assert.equal(fields.uint64(), danube.MsgID.decode(overlong).producerId);
});

test("a value's range is walked on its own: nothing past its end is read", () => {
  // Field 1 holds [field 2 = varint 5]; the byte after it would continue a varint.
  const bytes = Uint8Array.from([(1 << 3) | 2, 2, 2 << 3, 5, 0x80]);
  const outer = new WireFields(bytes);
  assert.equal(outer.tag(), (1 << 3) | 2);
  const start = outer.lengthDelimited();
  const inner = new WireFields(bytes, start, outer.pos);
  assert.equal(inner.tag(), 2 << 3);
  assert.equal(inner.varint(), 5);
  assert.equal(inner.more(), false);
  // A range cut inside a varint: truncated, though the bytes go on.
  const cut = new WireFields(Uint8Array.from([8, 0x96, 0x01]), 0, 2);
  assert.equal(cut.tag(), 8);
  assert.equal(cut.varint(), -1);
  assert.match(cut.error!, /truncated varint at byte 1/);
  assert.equal(cut.pos, 1, "the position stays before the bad value");
});

const malformed: Array<[string, number[], RegExp, (f: WireFields) => void]> = [
  ["truncated varint", [8, 0x80, 0x80], /truncated varint at byte 1/, (f) => f.skip(f.tag() & 7)],
  ["truncated tag", [0x88], /truncated varint at byte 0/, (f) => f.tag()],
  [
    "varint over 10 bytes",
    [8, ...Array(10).fill(0xff), 1],
    /longer than 10 bytes at byte 1/,
    (f) => f.skip(f.tag() & 7),
  ],
  ["uint64 over 10 bytes", [...Array(10).fill(0xff), 1], /longer than 10 bytes at byte 0/, (f) => f.uint64()],
  ["tag over 32 bits", [0x80, 0x80, 0x80, 0x80, 0x10], /tag longer than 32 bits at byte 0/, (f) => f.tag()],
  ["field number 0", [0, 1], /field number 0 at byte 0/, (f) => f.tag()],
  [
    "length past the end",
    [0x12, 10, 1, 2, 3],
    /length 10 at byte 1 runs past the end \(byte 5\)/,
    (f) => f.skip(f.tag() & 7),
  ],
  ["truncated length", [0x12], /truncated varint at byte 1/, (f) => f.skip(f.tag() & 7)],
  ["truncated fixed64", [0x09, 1, 2, 3], /truncated 8-byte value at byte 1/, (f) => f.skip(f.tag() & 7)],
  ["truncated fixed32", [0x0d, 1], /truncated 4-byte value at byte 1/, (f) => f.skip(f.tag() & 7)],
  ["a group", [0x0b, 0x0c], /wire type 3 at byte 1/, (f) => f.skip(f.tag() & 7)],
  ["wire type 7", [0x0f, 1], /wire type 7 at byte 1/, (f) => f.skip(f.tag() & 7)],
];

for (const [what, bytes, error, walk] of malformed) {
  test(`malformed input gives a clear error, no throw, no read past the end: ${what}`, () => {
    const fields = new WireFields(Uint8Array.from(bytes));
    walk(fields);
    assert.match(fields.error ?? "(no error)", error);
    assert.equal(fields.more(), false, "the walk stops");
    assert.ok(fields.pos <= bytes.length);
  });
}

test("lengthDelimited never returns a range past the end, whatever the bytes", () => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let round = 0; round < 5000; round++) {
    const bytes = Uint8Array.from({ length: random() % 24 }, () => random() & 0xff);
    const end = random() % (bytes.length + 1);
    const fields = new WireFields(bytes, 0, end);
    while (fields.more()) {
      const before = fields.pos;
      const tag = fields.tag();
      if (tag < 0) break;
      if ((tag & 7) === 2) {
        const start = fields.lengthDelimited();
        if (start >= 0) assert.ok(before < start && start <= fields.pos && fields.pos <= end);
      } else fields.skip(tag & 7);
      assert.ok(fields.pos <= end, `position ${fields.pos} past ${end}`);
      if (fields.error === undefined) assert.ok(fields.pos > before, "progress");
    }
  }
});
