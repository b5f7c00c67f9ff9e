// One reusable output buffer for the broker's hand-written response serializers.
//
// grpc-js copies what a response serializer returns into the length-prefixed frame it writes,
// synchronously, before it serializes anything else (BaseServerInterceptingCall.serializeMessage
// in @grpc/grpc-js server-interceptors.ts). A serializer may therefore write into a shared buffer
// and return a view of it, instead of allocating an ArrayBuffer per response. That matters
// beyond the copy: V8 counts ArrayBuffer memory allocated since the last full collection against
// the old generation's headroom, so per-message buffers bring full collections sooner (see
// docs/benchmarks.md, "The latency tail, traced: what starts V8's full collections"). The e2e
// delivery tests would see a frame overwritten if a grpc-js update kept the returned buffer.

/** Responses larger than this get a buffer of their own, so the shared one stays small. */
const MAX_SHARED_BYTES = 1024 * 1024;

let shared = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * `length` bytes to serialize one response into, valid until the next call: a view of the shared
 * buffer (grown as needed up to 1 MiB), or a new buffer for a larger response.
 */
export function serializeScratch(length: number): Buffer {
  if (length > MAX_SHARED_BYTES) return Buffer.allocUnsafe(length);
  if (length > shared.length)
    shared = Buffer.allocUnsafeSlow(Math.min(MAX_SHARED_BYTES, Math.max(length, 2 * shared.length)));
  return shared.subarray(0, length);
}
