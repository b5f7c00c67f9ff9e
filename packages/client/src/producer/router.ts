// Partition selection: round robin for plain sends, FNV-1a 64 of the key for keyed sends.

import { partitionForKey } from "@danube-ts/protocol";

// The hash and the key-to-partition rule are wire facts shared with the broker.
export { fnv1a64, partitionForKey } from "@danube-ts/protocol";

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
