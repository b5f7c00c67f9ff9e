import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { deliveryEncoding, readStoredMessage } from "./stored-bytes.ts";
import { StoredMessage } from "./stored-message.ts";
import type { StreamMessage } from "./types.ts";
import { WireFields } from "./wire-fields.ts";

const TOPIC = "/default/stored";
const OFFSET = 4242n;

let seed = 1;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed >>> 8; // the low bits of this generator repeat quickly
};
const pick = <T>(xs: readonly T[]): T => xs[random() % xs.length]!;
const bytesOf = (n: number) => Uint8Array.from({ length: n }, () => random() & 0xff);

/** A random message: any field may be absent, strings may be non-ASCII. */
function randomMessage(): danube.StreamMessage {
  const str = () => pick(["", "p", "key-1", "ünïcode ✓", "x".repeat(200), "\ufeffbom"]);
  const attributes: Record<string, string> = {};
  for (let i = random() % 3; i > 0; i--) attributes[str()] = str();
  return danube.StreamMessage.fromPartial({
    requestId: BigInt(random()),
    msgId:
      random() % 4 === 0
        ? undefined
        : {
            producerId: pick([0n, 1n, 2n ** 40n, 2n ** 63n - 1n, 2n ** 63n + 12345n, 2n ** 64n - 1n]),
            topicName: str(),
            brokerAddr: str(),
            topicOffset: BigInt(random() % 1000),
          },
    payload: bytesOf(pick([0, 1, 100, 1024])),
    publishTime: BigInt(random()) * 1000n,
    producerName: str(),
    subscriptionName: str(),
    attributes,
    schemaId: random() % 2 === 0 ? undefined : BigInt(random()),
    schemaVersion: random() % 2 === 0 ? undefined : random() % 100,
    routingKey: random() % 2 === 0 ? undefined : str(),
  });
}

/** Fields appended or spliced in: unknown ones, repeats, groups, field 0, wrong wire types, bad UTF-8. */
const extras: Uint8Array[] = [
  Uint8Array.from([15 << 3, 1]),
  Uint8Array.from([(16 << 3) | 2, 2, 0xff, 0xfe]),
  Uint8Array.from([(5 << 3) | 2, 2, 0xc3, 0x28]), // producer_name, invalid UTF-8
  Uint8Array.from([(10 << 3) | 2, 1, 0x80]), // routing_key, invalid UTF-8
  Uint8Array.from([(3 << 3) | 0, 5]), // payload as a varint: skipped
  Uint8Array.from([(2 << 3) | 0, 5]), // msg_id as a varint: skipped
  Uint8Array.from([(2 << 3) | 2, 2, 8, 9]), // a second msg_id
  Uint8Array.from([(2 << 3) | 2, 3, 8, 0, 0]), // msg_id holding field 0
  Uint8Array.from([(7 << 3) | 2, 2, 0, 1]), // attribute entry holding field 0
  Uint8Array.from([(7 << 3) | 2, 2, 0x0b, 0x0c]), // attribute entry holding a group
  Uint8Array.from([(9 << 3) | 3, (9 << 3) | 4]), // a group
  Uint8Array.from([(9 << 3) | 4]), // an end-group tag
  Uint8Array.from([0, 0]), // field 0
  Uint8Array.from([(4 << 3) | 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 10-byte varint
  Uint8Array.from([(2 << 3) | 2, 11, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 10-byte producer id
  Uint8Array.from([0x8a, 0x80, 0x80, 0x80, 0x00, 0]), // an overlong tag (field 1, length-delimited)
  Uint8Array.from([(2 << 3) | 2, 3, 8, 0x81, 0x00]), // producer id 1 as a 2-byte varint
  Uint8Array.from([(2 << 3) | 2, 3, 8, 0x80, 0x00]), // producer id 0 as a 2-byte varint
  Uint8Array.from([(2 << 3) | 2, 2, 8, 0]), // producer id 0
  Uint8Array.from([(2 << 3) | 2, 11, 8, ...Array(9).fill(0x80), 0x7e]), // 10 bytes, bits past the 64th
  Uint8Array.from([(2 << 3) | 2, 4, (3 << 3) | 2, 2, 0xc3, 0xa9]), // broker "é"
  Uint8Array.from([(2 << 3) | 2, 3, (3 << 3) | 2, 1, 0xff]), // broker: invalid UTF-8
  Uint8Array.from([(2 << 3) | 2, 2, (3 << 3) | 2, 0]), // broker ""
];

/** Where the top-level fields of a valid encoding start, and its end. */
function boundaries(bytes: Uint8Array): number[] {
  const fields = new WireFields(bytes);
  const out = [0];
  while (fields.more()) {
    fields.skip(fields.tag() & 7);
    out.push(fields.pos);
  }
  return out;
}

/** A valid encoding changed at random: truncated, a byte changed, or extra fields put in between fields. */
function mutate(bytes: Uint8Array): Uint8Array {
  const at = random() % (bytes.length + 1);
  switch (random() % 4) {
    case 0:
      return bytes.subarray(0, at);
    case 1: {
      const copy = Uint8Array.from(bytes);
      if (at < copy.length) copy[at] = random() & 0xff;
      return copy;
    }
    default: {
      const parts: Uint8Array[] = [];
      const cuts = boundaries(bytes);
      for (let i = 0; i < cuts.length; i++) {
        if (random() % 3 === 0) parts.push(pick(extras));
        if (i + 1 < cuts.length) parts.push(bytes.subarray(cuts[i], cuts[i + 1]));
      }
      return new Uint8Array(Buffer.concat(parts));
    }
  }
}

/** What a message read from `bytes` must hold: the generated decoding with msg_id replaced. */
function expected(decoded: danube.StreamMessage): danube.StreamMessage {
  return {
    ...decoded,
    msgId: {
      producerId: decoded.msgId?.producerId ?? 0n,
      topicName: TOPIC,
      brokerAddr: decoded.msgId?.brokerAddr ?? "",
      topicOffset: OFFSET,
    },
  };
}

const plain = (m: StreamMessage): danube.StreamMessage => ({
  requestId: m.requestId,
  msgId: m.msgId,
  payload: m.payload,
  publishTime: m.publishTime,
  producerName: m.producerName,
  subscriptionName: m.subscriptionName,
  attributes: m.attributes,
  schemaId: m.schemaId,
  schemaVersion: m.schemaVersion,
  routingKey: m.routingKey,
});

test("a stored message reads as the generated decoder decodes it, whatever the bytes", () => {
  let walked = 0;
  let fellBack = 0;
  let undecodable = 0;
  for (let round = 0; round < 4000; round++) {
    const valid = danube.StreamMessage.encode(randomMessage()).finish();
    const bytes = round % 4 === 0 ? valid : mutate(valid);
    let decoded: danube.StreamMessage | undefined;
    try {
      decoded = danube.StreamMessage.decode(bytes);
    } catch {}
    let read: StreamMessage | undefined;
    try {
      read = readStoredMessage(bytes, TOPIC, OFFSET);
    } catch {}
    const context = `round ${round}: ${Buffer.from(bytes).toString("hex")}`;
    if (decoded === undefined) {
      assert.equal(read, undefined, `${context}: the generated decoder refuses these bytes`);
      undecodable++;
      continue;
    }
    assert.ok(read !== undefined, `${context}: the generated decoder takes these bytes`);
    if (read instanceof StoredMessage) walked++;
    else fellBack++;
    assert.deepEqual(plain(read), expected(decoded), context);
    assert.deepEqual(
      danube.StreamMessage.decode(new Uint8Array(deliveryEncoding(read))),
      expected(decoded),
      `${context}: delivery`,
    );
    if (round % 4 === 0) assert.ok(read instanceof StoredMessage, `${context}: a valid encoding is walked`);
  }
  // Each way was taken often: the comparison above covered all three.
  assert.ok(walked > 1000 && fellBack > 100 && undecodable > 100, `${walked} ${fellBack} ${undecodable}`);
});

test("a walked message decodes the rest only when it is read", () => {
  const bytes = danube.StreamMessage.encode(
    danube.StreamMessage.fromPartial({
      payload: Uint8Array.from([1, 2, 3]),
      producerName: "p",
      routingKey: "k",
      attributes: { a: "1" },
    }),
  ).finish();
  const message = readStoredMessage(bytes, TOPIC, OFFSET);
  assert.ok(message instanceof StoredMessage);
  assert.equal(message.routingKey, "k");
  assert.deepEqual(message.payload, Uint8Array.from([1, 2, 3]));
  assert.equal(message.payload.buffer, bytes.buffer, "the payload is a view of the stored bytes");
  assert.equal(
    (message as unknown as { decoded?: unknown }).decoded,
    undefined,
    "nothing decoded in full yet",
  );
  assert.deepEqual(message.attributes, { a: "1" });
});
