/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of zlib, gzip and PNG, as
 * stored in every record, journal entry, snapshot and high-water file. Computed by zlib's native
 * crc32 (node:zlib, Node >= 20.15), which is the same function the earlier table-driven
 * JavaScript implementation computed: data written by either verifies with the other
 * (crc32.test.ts checks it against a bit-at-a-time reference).
 */
import { crc32 as zlibCrc32 } from "node:zlib";

/**
 * CRC-32 of `data[start, end)`. Pass a previous result as `previous` to continue a checksum over
 * several pieces: crc32(b, 0, b.length, crc32(a)) === crc32(a ++ b).
 */
export function crc32(data: Uint8Array, start = 0, end = data.length, previous = 0): number {
  const view = start === 0 && end === data.length ? data : data.subarray(start, end);
  return zlibCrc32(view, previous);
}
