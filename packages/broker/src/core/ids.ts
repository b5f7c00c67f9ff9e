import { randomBytes } from "node:crypto";

/** A uniformly random, non-zero u64, as upstream hands out for producer and consumer ids. */
export function randomId(): bigint {
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE();
    if (id !== 0n) return id;
  }
}
