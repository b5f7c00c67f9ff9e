import assert from "node:assert/strict";
import { test } from "node:test";
import {
  encodeFrame,
  FrameDecoder,
  FramingError,
  grpcTimeout,
  isGrpcResponse,
  readStatus,
} from "./grpc-framing.ts";

test("frames round-trip whatever the chunking", () => {
  const messages = [Buffer.from("a"), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from("last")];
  const wire = Buffer.concat(messages.map((m) => encodeFrame(m)));
  assert.deepEqual([...encodeFrame(Buffer.from("hi"))], [0, 0, 0, 0, 2, 0x68, 0x69]);
  for (const size of [1, 2, 5, 7, 1000, wire.length]) {
    const decoder = new FrameDecoder(1 << 20);
    for (let i = 0; i < wire.length; i += size) decoder.push(wire.subarray(i, i + size));
    assert.deepEqual(
      decoder.messages.map((m) => Buffer.from(m)),
      messages,
      `chunks of ${size}`,
    );
    assert.equal(decoder.partial, false);
  }
  const cut = new FrameDecoder(100);
  cut.push(encodeFrame(Buffer.from("abc")).subarray(0, 6));
  assert.equal(cut.partial, true);
  assert.equal(cut.messages.length, 0);
});

test("compressed or oversized messages are refused", () => {
  const compressed = encodeFrame(Buffer.from("x"));
  compressed[0] = 1;
  assert.throws(() => new FrameDecoder(100).push(compressed), FramingError);
  assert.throws(() => new FrameDecoder(3).push(encodeFrame(Buffer.from("four"))), /exceeds 3/);
});

test("grpc-timeout uses the smallest unit that fits 8 digits, never 0", () => {
  assert.equal(grpcTimeout(0), "1m");
  assert.equal(grpcTimeout(-5), "1m");
  assert.equal(grpcTimeout(1500.2), "1501m");
  assert.equal(grpcTimeout(99_999_999), "99999999m");
  assert.equal(grpcTimeout(100_000_000), "100000S");
  assert.equal(grpcTimeout(1e15), "99999999H");
});

test("status and response headers", () => {
  assert.deepEqual(readStatus({ "grpc-status": "0" }), { code: 0, details: "" });
  assert.deepEqual(readStatus({ "grpc-status": "5", "grpc-message": "topic%20%2Fd%2Ft not found" }), {
    code: 5,
    details: "topic /d/t not found",
  });
  assert.deepEqual(readStatus({ "grpc-status": "13", "grpc-message": "100%" }), {
    code: 13,
    details: "100%",
  });
  assert.equal(readStatus({}), undefined);
  assert.equal(readStatus({ "grpc-status": "x" }), undefined);
  assert.equal(isGrpcResponse({ ":status": 200, "content-type": "application/grpc" }), true);
  assert.equal(isGrpcResponse({ ":status": 200, "content-type": "application/grpc+proto" }), true);
  assert.equal(isGrpcResponse({ ":status": 404, "content-type": "application/grpc" }), false);
  assert.equal(isGrpcResponse({ ":status": 200, "content-type": "text/html" }), false);
});
