// Fault injection for tests of the real broker (option `faults`): a hook runs before every write
// of a topic log's segment and may throw an errno-style error (ENOSPC, EIO) to make that write
// fail as the disk would, or return a promise to hold the write (a slow disk). Never set in
// production.
import { writeFully } from "./storage/fs-sync.ts";
import type { WriteFn } from "./storage/topic-log.ts";

/** What a segment write hook learns about the write it may fail. */
export interface SegmentWrite {
  /** The topic folder (under `<dataDir>/topics/`). */
  dir: string;
  /** Bytes of the group-commit batch about to be written. */
  bytes: number;
}

export interface FaultInjection {
  /**
   * Runs before each segment write; throwing (or rejecting) fails the write with that error
   * (nothing is written); a returned promise holds the write until it settles.
   */
  beforeSegmentWrite?: (write: SegmentWrite) => void | Promise<void>;
}

/** The segment write function of a topic log under fault injection. */
export function faultyWrite(dir: string, faults: FaultInjection | undefined): WriteFn | undefined {
  const hook = faults?.beforeSegmentWrite;
  if (!hook) return undefined;
  return async (handle, bytes, length, position) => {
    await hook({ dir, bytes: length });
    return writeFully(handle, bytes, length, position);
  };
}
