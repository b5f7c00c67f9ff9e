import { fnv1a64 } from "@danube-ts/protocol";
import type { ConsumerHandle } from "./consumer.ts";

export const VIRTUAL_NODES = 100;

/** FNV-1a 64 folded to 32 bits (xor of the halves), then murmur3's 32-bit finaliser. */
export function ringHash(key: string): number {
  const h64 = fnv1a64(key);
  let h = Number((h64 >> 32n) ^ (h64 & 0xffffffffn)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Consistent-hash ring for Key-Shared subscriptions: 100 virtual nodes per consumer, keyed
 * `<consumer_id>-<i>`. A key belongs to the first virtual node at or after its hash, wrapping.
 */
export class KeyRing {
  private readonly hashes: number[] = [];
  private readonly owners: ConsumerHandle[] = [];

  constructor(consumers: readonly ConsumerHandle[]) {
    const nodes: Array<[number, ConsumerHandle]> = [];
    for (const consumer of consumers) {
      for (let i = 0; i < VIRTUAL_NODES; i++) nodes.push([ringHash(`${consumer.id}-${i}`), consumer]);
    }
    nodes.sort((a, b) => a[0] - b[0]);
    for (const [hash, owner] of nodes) {
      this.hashes.push(hash);
      this.owners.push(owner);
    }
  }

  /** The owner of `key` among `eligible` (all consumers when omitted). */
  lookup(key: string, eligible?: ReadonlySet<ConsumerHandle>): ConsumerHandle | undefined {
    const n = this.hashes.length;
    if (n === 0) return undefined;
    const hash = ringHash(key);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.hashes[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    for (let step = 0; step < n; step++) {
      const owner = this.owners[(lo + step) % n] as ConsumerHandle;
      if (!eligible || eligible.has(owner)) return owner;
    }
    return undefined;
  }
}
