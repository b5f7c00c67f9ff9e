// Partition selection: round robin for plain sends, FNV-1a 64 of the key for keyed sends.

const fnvOffsetBasis = 0xcbf29ce484222325n;
const fnvPrime = 0x100000001b3n;
const mask64 = 0xffffffffffffffffn;
const utf8 = new TextEncoder();

/** FNV-1a 64-bit hash of `data` (strings are hashed as UTF-8). */
export function fnv1a64(data: string | Uint8Array): bigint {
  const bytes = typeof data === "string" ? utf8.encode(data) : data;
  let hash = fnvOffsetBasis;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * fnvPrime) & mask64;
  }
  return hash;
}

/** The partition index of `key` among `partitions`, as the upstream clients compute it. */
export function partitionForKey(key: string, partitions: number): number {
  return Number(fnv1a64(key) % BigInt(partitions));
}

/** Chooses a partition for each message. */
export interface PartitionRouter {
  /** Partition index in [0, partitions) for a message with optional routing key. */
  next(key?: string): number;
}

/** Round robin starting at partition 0; keyed messages go to `partitionForKey`. */
export function createRouter(partitions: number): PartitionRouter {
  let counter = 0;
  return {
    next(key?: string): number {
      if (partitions === 1) return 0;
      if (key !== undefined) return partitionForKey(key, partitions);
      const index = counter;
      counter = (counter + 1) % partitions;
      return index;
    },
  };
}
