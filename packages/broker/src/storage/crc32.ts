/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of zlib, gzip and PNG.
 * Table-driven with slicing-by-8: eight 256-entry tables let the main loop consume 8 bytes per step.
 */

const POLYNOMIAL = 0xedb88320;

function buildTables(): Uint32Array {
  const tables = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLYNOMIAL ^ (c >>> 1) : c >>> 1;
    tables[n] = c;
  }
  // tables[k * 256 + n] is the CRC of byte n followed by k zero bytes.
  for (let n = 0; n < 256; n++) {
    let c = tables[n];
    for (let k = 1; k < 8; k++) {
      c = tables[c & 0xff] ^ (c >>> 8);
      tables[k * 256 + n] = c;
    }
  }
  return tables;
}

const T = buildTables();

/**
 * CRC-32 of `data[start, end)`. Pass a previous result as `previous` to continue a checksum over
 * several pieces: crc32(b, 0, b.length, crc32(a)) === crc32(a ++ b).
 */
export function crc32(data: Uint8Array, start = 0, end = data.length, previous = 0): number {
  let crc = ~previous;
  let i = start;
  const fastEnd = end - ((end - start) & 7);
  for (; i < fastEnd; i += 8) {
    const low = crc ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    crc =
      T[1792 + (low & 0xff)] ^
      T[1536 + ((low >>> 8) & 0xff)] ^
      T[1280 + ((low >>> 16) & 0xff)] ^
      T[1024 + (low >>> 24)] ^
      T[768 + data[i + 4]] ^
      T[512 + data[i + 5]] ^
      T[256 + data[i + 6]] ^
      T[data[i + 7]];
  }
  for (; i < end; i++) crc = T[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
