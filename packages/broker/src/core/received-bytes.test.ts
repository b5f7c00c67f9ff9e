import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { rememberReceivedBytes, storedEncoding } from "./received-bytes.ts";

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
