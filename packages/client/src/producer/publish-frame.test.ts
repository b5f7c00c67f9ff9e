// The hand-written batch frame encoder gives exactly the bytes of the generated encoder.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type danube, publishStream } from "@danube-ts/protocol";
import { encodePublishRequest } from "./publish-frame.ts";

const generated = (request: publishStream.PublishRequest): Buffer =>
  Buffer.from(publishStream.PublishRequest.encode(request).finish());

function message(i: number, overrides: Partial<danube.StreamMessage> = {}): danube.StreamMessage {
  return {
    requestId: BigInt(i),
    msgId: {
      producerId: 3n,
      topicName: "/default/tópic-✓",
      brokerAddr: "http://127.0.0.1:6650",
      topicOffset: 0n,
    },
    payload: new Uint8Array(i * 37).fill(i),
    publishTime: 1_764_000_000_000n + BigInt(i),
    producerName: "producer",
    subscriptionName: "",
    attributes: {},
    schemaId: undefined,
    schemaVersion: undefined,
    routingKey: undefined,
    ...overrides,
  };
}

test("batch frames: the same bytes as PublishRequest.encode", () => {
  const cases: danube.StreamMessage[][] = [
    [],
    [message(0)],
    [message(1), message(2), message(3)],
    [message(5, { attributes: { a: "1", "": "x", "k-é": "", "2": "two" }, routingKey: "key-ü" })],
    [message(6, { schemaId: 9n, schemaVersion: 4, routingKey: "" }), message(7, { msgId: undefined })],
    [
      message(8, {
        requestId: (1n << 64n) - 1n,
        publishTime: (1n << 60n) + 5n,
        subscriptionName: "sub",
        msgId: { producerId: 1n << 53n, topicName: "", brokerAddr: "", topicOffset: (1n << 63n) + 1n },
      }),
    ],
    [message(9, { payload: new Uint8Array(300_000).fill(1) }), message(10, { producerName: "" })],
  ];
  for (const messages of cases) {
    for (const after of [undefined, 0n, 7n, 1n << 40n]) {
      const request: publishStream.PublishRequest = { frame: { $case: "batch", value: { messages, after } } };
      assert.deepEqual(encodePublishRequest(request), generated(request));
    }
  }
  const open: publishStream.PublishRequest = { frame: { $case: "open", value: { producerId: 12n } } };
  assert.deepEqual(encodePublishRequest(open), generated(open));
});

test("batch frames: out-of-range uint64 values are refused like the generated encoder", () => {
  for (const bad of [{ requestId: -1n }, { publishTime: 1n << 64n }]) {
    const request: publishStream.PublishRequest = {
      frame: { $case: "batch", value: { messages: [message(1, bad)], after: undefined } },
    };
    assert.throws(() => generated(request), /too large/);
    assert.throws(() => encodePublishRequest(request), /too large/);
  }
});
