import assert from "node:assert/strict";
import { test } from "node:test";
import { danube, publishStream } from "@danube-ts/protocol";
import { storedEncoding } from "../core/received-bytes.ts";
import { decodeBatchFrame } from "./keep-received.ts";

const message = (i: number) =>
  danube.StreamMessage.fromPartial({
    requestId: BigInt(i),
    payload: new Uint8Array(i * 40).fill(i),
    producerName: "p",
    attributes: { n: String(i) },
  });

test("a batch frame decodes as the generated decoder decodes it, each message keeping its bytes", () => {
  const request: publishStream.PublishRequest = {
    frame: { $case: "batch", value: { messages: [message(1), message(2), message(5)], after: 2n ** 40n } },
  };
  // An unknown field (15, varint 1) after the batch is skipped, as by the generated decoder.
  const bytes = Buffer.concat([
    publishStream.PublishRequest.encode(request).finish(),
    Buffer.from([15 << 3, 1]),
  ]);
  const decoded = decodeBatchFrame(bytes);
  assert.deepEqual(decoded, publishStream.PublishRequest.decode(bytes));
  assert.equal(decoded?.frame?.$case, "batch");
  for (const [i, m] of decoded!.frame!.value.messages.entries()) {
    const kept = storedEncoding(m);
    assert.deepEqual(danube.StreamMessage.decode(kept), m, `message ${i} kept its own bytes`);
    assert.equal(kept.buffer, bytes.buffer, "a slice of the frame, not a copy");
  }
});

test("frames the walker does not take are left to the generated decoder", () => {
  const batch = publishStream.PublishRequest.encode({
    frame: { $case: "batch", value: { messages: [message(3)], after: undefined } },
  }).finish();
  const open = publishStream.PublishRequest.encode({
    frame: { $case: "open", value: { producerId: 1n } },
  }).finish();
  for (const [what, bytes] of [
    ["an open frame", open],
    ["truncated", batch.subarray(0, batch.length - 1)],
    ["a batch length past the end", Uint8Array.from([(2 << 3) | 2, 50, 1])],
    ["a group", Uint8Array.from([...batch, (9 << 3) | 3, (9 << 3) | 4])],
    ["no batch", Uint8Array.from([15 << 3, 1])],
  ] as const) {
    assert.equal(decodeBatchFrame(bytes), undefined, what);
  }
});
