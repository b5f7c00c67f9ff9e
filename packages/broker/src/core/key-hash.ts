const OFFSET_BASIS = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/** FNV-1a, 64 bit, over the UTF-8 bytes of `key` (the hash Danube uses for key routing). */
export function fnv1a64(key: string): bigint {
  let hash = OFFSET_BASIS;
  for (const byte of encoder.encode(key)) {
    hash ^= BigInt(byte);
    hash = (hash * PRIME) & MASK;
  }
  return hash;
}
