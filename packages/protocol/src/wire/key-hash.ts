// Key routing: the FNV-1a 64 hash upstream clients use to pick a partition for a keyed message,
// and that the broker uses to spread keys over Key-Shared consumers.

const utf8 = new TextEncoder();

/**
 * FNV-1a 64-bit hash of `data` (a string is hashed as its UTF-8 bytes). Computed in four 16-bit
 * limbs of plain numbers: a routing key can be megabytes long, and bigint arithmetic per byte
 * took about 130 ms per MiB on the event loop.
 */
export function fnv1a64(data: string | Uint8Array): bigint {
  const bytes = typeof data === "string" ? utf8.encode(data) : data;
  // Offset basis 0xcbf29ce484222325, low limb first.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (const byte of bytes) {
    h0 ^= byte;
    // hash * 0x100000001b3 mod 2^64 = hash * 0x1b3 + (hash << 40)
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (t1 >>> 16) + ((h0 & 0xff) << 8);
    const t3 = h3 * 0x1b3 + (t2 >>> 16) + (h0 >>> 8) + ((h1 & 0xff) << 8);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return (BigInt(h3 * 0x10000 + h2) << 32n) | BigInt(h1 * 0x10000 + h0);
}

/** The partition index in [0, partitions) of `key`, as the upstream clients compute it. */
export function partitionForKey(key: string, partitions: number): number {
  return Number(fnv1a64(key) % BigInt(partitions));
}
