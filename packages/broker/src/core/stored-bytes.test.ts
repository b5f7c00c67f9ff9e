import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { deliveryEncoding, rememberStoredBytes } from "./stored-bytes.ts";

const stamped = { producerId: 42n, topicName: "/default/t", brokerAddr: "http://b:1", topicOffset: 1234567n };

const cases: Array<[string, Partial<danube.StreamMessage>]> = [
  [
    "all fields",
    {
      requestId: 9n,
      msgId: { producerId: 42n, topicName: "/default/t", brokerAddr: "", topicOffset: 0n },
      payload: new Uint8Array(300).fill(3),
      publishTime: 1_700_000_000_000n,
      producerName: "p",
      subscriptionName: "s",
      attributes: { a: "1", b: "2" },
      schemaId: 5n,
      schemaVersion: 2,
      routingKey: "k",
    },
  ],
  ["no msg_id", { requestId: 1n, payload: new Uint8Array([1, 2, 3]), producerName: "p" }],
  [
    "empty payload, large msg_id",
    {
      msgId: { producerId: 2n ** 63n, topicName: "x".repeat(200), brokerAddr: "", topicOffset: 0n },
    },
  ],
];

for (const [name, fields] of cases) {
  test(`the stored bytes with msg_id replaced decode to the stamped message: ${name}`, () => {
    const message = danube.StreamMessage.fromPartial(fields);
    // An unknown field (15, varint 1) is passed on as stored.
    const bytes = Buffer.concat([danube.StreamMessage.encode(message).finish(), Buffer.from([15 << 3, 1])]);
    const delivered = danube.StreamMessage.decode(bytes);
    delivered.msgId = stamped;
    rememberStoredBytes(delivered, bytes);
    const encoded = deliveryEncoding(delivered);
    assert.deepEqual(danube.StreamMessage.decode(new Uint8Array(encoded)), { ...message, msgId: stamped });
    assert.deepEqual(encoded.subarray(-2), Buffer.from([15 << 3, 1]), "the unknown field is kept");
  });
}

test("a msg_id that encodes to the stored one gives the stored bytes exactly", () => {
  const id = { producerId: 3n, topicName: "/default/t", brokerAddr: "", topicOffset: 0n };
  const message = danube.StreamMessage.fromPartial({
    msgId: id,
    payload: new Uint8Array([1]),
    producerName: "p",
  });
  const bytes = danube.StreamMessage.encode(message).finish();
  const delivered = danube.StreamMessage.decode(bytes);
  rememberStoredBytes(delivered, bytes);
  assert.deepEqual(new Uint8Array(deliveryEncoding(delivered)), bytes);
});

test("bytes the splice does not handle fall back to encoding the message", () => {
  const bytes = danube.StreamMessage.encode(danube.StreamMessage.fromPartial({ producerName: "p" })).finish();
  for (const [what, unhandled] of [
    ["truncated", bytes.subarray(0, bytes.length - 1)],
    ["a group", Uint8Array.from([(3 << 3) | 3])],
    ["two msg_ids", Uint8Array.from([(2 << 3) | 2, 0, (2 << 3) | 2, 0])],
  ] as const) {
    const message = danube.StreamMessage.fromPartial({ producerName: "q", msgId: stamped });
    rememberStoredBytes(message, unhandled);
    assert.deepEqual(danube.StreamMessage.decode(deliveryEncoding(message)), message, what);
  }
  const message = danube.StreamMessage.fromPartial({ producerName: "p", msgId: stamped });
  assert.deepEqual(danube.StreamMessage.decode(deliveryEncoding(message)), message, "nothing stored");
});
