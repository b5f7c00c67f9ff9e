// The reliable dispatcher's window entries (reliable-dispatcher.ts): what a message in a
// subscription's window carries, and the slots that schedule its (re)delivery.
import type { ConsumerHandle } from "./consumer.ts";
import type { StreamMessage } from "./types.ts";

export interface InFlight {
  offset: bigint;
  message: StreamMessage;
  /** The consumer holding it, while delivered and unacknowledged. */
  consumer: ConsumerHandle | undefined;
  attempts: number;
  /**
   * delivered: waiting for an ack until `deadline`. waiting: (re)deliver at or after `deadline`.
   * poisoned: redeliveries exhausted under the Block policy, or its dead-letter copy not yet durable.
   * held: an unreadable range's dead-letter notice, kept (never delivered, never blocking) until it
   * is durable in the dead-letter topic.
   */
  state: "delivered" | "waiting" | "poisoned" | "held";
  deadline: number;
  lastReason: string | undefined;
  /** Accounted against the subscription's and the broker's byte budgets while in the window. */
  bytes: number;
}

/** Fixed per-entry allowance on top of the stored record (decoded object, bookkeeping). */
export const ENTRY_OVERHEAD = 256;

/** The dispatcher's own bookkeeping of a window entry. */
export interface Entry extends InFlight {
  /** Changes whenever the entry is (re)scheduled or leaves "waiting": older heap slots are stale. */
  stamp: number;
  done: boolean;
  /** Key-Shared: the routing key ("" otherwise). */
  key: string;
}

/** A scheduled (re)delivery; valid while `stamp` matches its entry's. */
export interface Slot {
  entry: Entry;
  stamp: number;
  /** When it is due (ms since epoch). */
  at: number;
}

/** Key-Shared: one key's entries in offset order; only the first one not done may be in flight. */
export interface KeyQueue {
  entries: Entry[];
  head: number;
  live: number;
}
