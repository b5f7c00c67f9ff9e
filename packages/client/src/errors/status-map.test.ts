import assert from "node:assert/strict";
import { test } from "node:test";
import { Metadata, status } from "@grpc/grpc-js";
import { DanubeError, ErrorCode } from "../errors.ts";
import { codeFromGrpcStatus, fromServiceError, toDanubeError } from "./status-map.ts";

const expected: Array<[number, ErrorCode, boolean]> = [
  [status.CANCELLED, ErrorCode.CANCELLED, false],
  [status.UNKNOWN, ErrorCode.UNKNOWN, false],
  [status.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT, false],
  [status.DEADLINE_EXCEEDED, ErrorCode.DEADLINE_EXCEEDED, true],
  [status.NOT_FOUND, ErrorCode.NOT_FOUND, false],
  [status.ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS, false],
  [status.PERMISSION_DENIED, ErrorCode.PERMISSION_DENIED, false],
  [status.RESOURCE_EXHAUSTED, ErrorCode.RESOURCE_EXHAUSTED, true],
  [status.FAILED_PRECONDITION, ErrorCode.FAILED_PRECONDITION, false],
  [status.ABORTED, ErrorCode.FAILED_PRECONDITION, false],
  [status.OUT_OF_RANGE, ErrorCode.INVALID_ARGUMENT, false],
  [status.UNIMPLEMENTED, ErrorCode.UNIMPLEMENTED, false],
  [status.INTERNAL, ErrorCode.INTERNAL, false],
  [status.UNAVAILABLE, ErrorCode.UNAVAILABLE, true],
  [status.DATA_LOSS, ErrorCode.INTERNAL, false],
  [status.UNAUTHENTICATED, ErrorCode.UNAUTHENTICATED, false],
];

function serviceError(code: number, details: string) {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

for (const [grpcCode, code, retryable] of expected) {
  test(`gRPC ${status[grpcCode]} -> ${code} (retryable=${retryable})`, () => {
    assert.equal(codeFromGrpcStatus(grpcCode), code);
    const error = fromServiceError(serviceError(grpcCode, "broker says no"), "send (SendMessage)");
    assert.ok(error instanceof DanubeError);
    assert.equal(error.code, code);
    assert.equal(error.retryable, retryable);
    assert.equal(error.grpcCode, grpcCode);
    assert.match(error.message, /broker says no/);
    assert.match(error.message, /^send \(SendMessage\): /);
    assert.equal((error.cause as Error).message, `${grpcCode} ${status[grpcCode]}: broker says no`);
  });
}

test("unknown gRPC codes map to UNKNOWN", () => {
  assert.equal(codeFromGrpcStatus(99), ErrorCode.UNKNOWN);
});

test("toDanubeError keeps DanubeErrors and converts the rest", () => {
  const original = new DanubeError(ErrorCode.CLOSED, "x");
  assert.equal(toDanubeError(original, "op"), original);
  assert.equal(toDanubeError(serviceError(status.UNAVAILABLE, "down"), "op").code, ErrorCode.UNAVAILABLE);
  const abort = new AbortController();
  abort.abort();
  assert.equal(toDanubeError(abort.signal.reason, "op").code, ErrorCode.CANCELLED);
  assert.equal(toDanubeError(new TypeError("boom"), "op").code, ErrorCode.UNKNOWN);
  assert.equal(toDanubeError("text", "op").message, "op: text");
});

test("DanubeError instanceof works across copies through the brand", () => {
  const error = new DanubeError(ErrorCode.NOT_FOUND, "missing");
  assert.ok(error instanceof DanubeError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "DanubeError");
  const lookalike = Object.create(Error.prototype) as object;
  Object.defineProperty(lookalike, Symbol.for("@danube-ts/client.DanubeError"), { value: true });
  assert.ok(lookalike instanceof DanubeError);
  assert.ok(!(new Error("plain") instanceof DanubeError));
  assert.ok(!((null as unknown) instanceof DanubeError));
});

test("RESOURCE_EXHAUSTED for an oversized message is INVALID_ARGUMENT, never retried", () => {
  for (const details of [
    "Received message larger than max (6291600 vs 5242880)",
    "Sent message larger than max (9000000 vs 4194304)",
    "Error, decoded message length too large: found 5000000 bytes, the limit is: 4194304 bytes",
  ]) {
    const error = fromServiceError(serviceError(status.RESOURCE_EXHAUSTED, details), "send (SendMessage)");
    assert.equal(error.code, ErrorCode.INVALID_ARGUMENT, details);
    assert.equal(error.retryable, false);
    assert.equal(error.grpcCode, status.RESOURCE_EXHAUSTED);
  }
  for (const details of ["rate limited", "held bytes exceed max budget"]) {
    const busy = fromServiceError(serviceError(status.RESOURCE_EXHAUSTED, details), "send");
    assert.equal(busy.code, ErrorCode.RESOURCE_EXHAUSTED, details);
    assert.equal(busy.retryable, true);
  }
});
