import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import {
  deliveryEncoding,
  rememberReceivedBytes,
  rememberStoredBytes,
  replaceMsgId,
  storedEncoding,
} from "./received-bytes.ts";

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
    const bytes = danube.StreamMessage.encode(message).finish();
    const spliced = replaceMsgId(bytes, stamped);
    assert.ok(spliced);
    assert.deepEqual(danube.StreamMessage.decode(spliced), { ...message, msgId: stamped });

    const delivered = danube.StreamMessage.decode(bytes);
    delivered.msgId = stamped;
    rememberStoredBytes(delivered, bytes);
    assert.deepEqual(danube.StreamMessage.decode(deliveryEncoding(delivered)), {
      ...message,
      msgId: stamped,
    });
  });
}

test("bytes the splice does not handle fall back to encoding the message", () => {
  const bytes = danube.StreamMessage.encode(danube.StreamMessage.fromPartial({ producerName: "p" })).finish();
  assert.equal(replaceMsgId(bytes.subarray(0, bytes.length - 1), stamped), undefined, "truncated");
  assert.equal(replaceMsgId(Uint8Array.from([(3 << 3) | 3]), stamped), undefined, "a group");
  const message = danube.StreamMessage.fromPartial({ producerName: "p", msgId: stamped });
  assert.deepEqual(danube.StreamMessage.decode(deliveryEncoding(message)), message, "nothing stored");
});

test("a message is stored as the bytes it was received in; a copy of it is encoded afresh", () => {
  const message = danube.StreamMessage.fromPartial({ requestId: 3n, payload: new Uint8Array([7]) });
  const encoded = danube.StreamMessage.encode(message).finish();
  assert.deepEqual(storedEncoding(message), encoded, "nothing remembered: a fresh encoding");
  const received = Buffer.concat([encoded, Buffer.from([15 << 3, 1])]); // with an unknown field
  rememberReceivedBytes(message, received);
  assert.equal(storedEncoding(message), received);
  const changed = { ...message, requestId: 4n };
  assert.deepEqual(storedEncoding(changed), danube.StreamMessage.encode(changed).finish());
});
