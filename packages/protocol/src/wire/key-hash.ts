// Key routing: the FNV-1a 64 hash upstream clients use to pick a partition for a keyed message,
// and that the broker uses to spread keys over Key-Shared consumers.

const offsetBasis = 0xcbf29ce484222325n;
const prime = 0x100000001b3n;
const mask64 = 0xffffffffffffffffn;
const utf8 = new TextEncoder();

/** FNV-1a 64-bit hash of `data` (a string is hashed as its UTF-8 bytes). */
export function fnv1a64(data: string | Uint8Array): bigint {
  const bytes = typeof data === "string" ? utf8.encode(data) : data;
  let hash = offsetBasis;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * prime) & mask64;
  }
  return hash;
}

/** The partition index in [0, partitions) of `key`, as the upstream clients compute it. */
export function partitionForKey(key: string, partitions: number): number {
  return Number(fnv1a64(key) % BigInt(partitions));
}
