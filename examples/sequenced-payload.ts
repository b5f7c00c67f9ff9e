// Payloads that carry their sequence number and a pattern derived from it, so that the
// receiver can tell which message it got and whether the bytes survived intact.

/** A `size`-byte payload for message `seq`: 4-byte big-endian seq, then (seq + i) & 0xff. */
export function sequencedPayload(seq: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, seq);
  for (let i = 4; i < size; i++) bytes[i] = (seq + i) & 0xff;
  return bytes;
}

/** The sequence number of a payload made by {@link sequencedPayload}, or undefined if it is damaged. */
export function readSequence(payload: Uint8Array, size: number): number | undefined {
  if (payload.length !== size || size < 4) return undefined;
  const seq = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
  for (let i = 4; i < size; i++) {
    if (payload[i] !== ((seq + i) & 0xff)) return undefined;
  }
  return seq;
}
