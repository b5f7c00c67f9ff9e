// Records a reliable subscription cannot read: offsets the log skips (a damaged record, a lost
// segment, offsets left unused after a crash) and records intact on disk that do not decode as a
// message. Delivery never stops at them. What happens to them follows the subscription's failure
// policy:
// - dead_letter (with a dead-letter topic): a notice goes to the dead-letter topic, carrying the
//   raw stored bytes of an undecodable record (empty for a damaged range) and attributes naming the
//   offsets and the reason; the cursor passes the offsets only once the notice is durable.
// - block and drop: the offsets are skipped. Blocking would stop the subscription for good, since
//   no redelivery ever makes such a record readable.
// Either way they are counted, logged (rate-limited) and listed: the last ranges per subscription
// are kept for `RunningBroker.unreadableRecords()` (docs/delivery.md, "Unreadable records").
import type { LostRange } from "../storage/index.ts";
import type { FailurePolicy, StreamMessage } from "./types.ts";

/** Why offsets could not be read. */
export type UnreadableKind = "damaged" | "undecodable";

/** One range of unreadable offsets of a subscription, and what was done with it. */
export interface UnreadableRange {
  /** First offset. */
  from: bigint;
  /** Offset after the last one. */
  to: bigint;
  kind: UnreadableKind;
  reason: string;
  /** `skipped`; or `dead_lettered` once the notice is durable (`dead_letter_pending` until then). */
  outcome: "skipped" | "dead_letter_pending" | "dead_lettered";
  /** The dead-letter topic of the notice. */
  deadLetterTopic?: string;
  /** When it was met (ms since the epoch). */
  at: number;
}

/** Ranges listed per subscription; older ones are dropped (the counters keep counting). */
export const MAX_LISTED_RANGES = 100;

/** Attributes of a dead-letter notice, besides the `x-original-*` ones every dead letter gets. */
export const unreadableAttributes = {
  kind: "x-unreadable",
  from: "x-unreadable-from",
  to: "x-unreadable-to",
} as const;

/** What `RunningBroker.unreadableRecords()` lists per reliable subscription that met any. */
export interface SubscriptionUnreadable {
  topic: string;
  subscription: string;
  /** Offsets skipped or dead-lettered as unreadable since the broker started. */
  offsets: bigint;
  /** Notices made durable in the dead-letter topic. */
  deadLettered: number;
  /** The most recent ranges (at most {@link MAX_LISTED_RANGES}), oldest first. */
  ranges: UnreadableRange[];
}

/** Counters and the recent ranges of one subscription. */
export class UnreadableRecords {
  /** Offsets skipped or dead-lettered as unreadable since the broker started. */
  offsets = 0n;
  /** Notices made durable in the dead-letter topic. */
  deadLettered = 0;
  readonly ranges: UnreadableRange[] = [];

  /**
   * Notes a range met by the dispatcher and decides its outcome: the dead-letter topic to send a
   * notice to, or undefined when the offsets are simply skipped.
   */
  meet(
    from: bigint,
    to: bigint,
    kind: UnreadableKind,
    reason: string,
    policy: FailurePolicy,
  ): UnreadableRange {
    const deadLetterTopic = policy.poison === "dead_letter" ? policy.deadLetterTopic : undefined;
    const range: UnreadableRange = {
      from,
      to,
      kind,
      reason,
      outcome: deadLetterTopic ? "dead_letter_pending" : "skipped",
      ...(deadLetterTopic && { deadLetterTopic }),
      at: Date.now(),
    };
    this.offsets += to - from;
    this.ranges.push(range);
    if (this.ranges.length > MAX_LISTED_RANGES) this.ranges.shift();
    return range;
  }

  /** The notice sent to the dead-letter topic for `range`. */
  static notice(range: UnreadableRange, raw: Uint8Array | undefined): StreamMessage {
    return {
      requestId: 0n,
      msgId: undefined,
      payload: raw ?? new Uint8Array(0),
      publishTime: BigInt(range.at),
      producerName: "",
      subscriptionName: "",
      attributes: {
        [unreadableAttributes.kind]: range.kind,
        [unreadableAttributes.from]: String(range.from),
        [unreadableAttributes.to]: String(range.to),
      },
    };
  }
}

/** Why the log had no record at [from, to): the start-up recovery's reason when it listed them. */
export function gapReason(lost: readonly LostRange[], from: bigint, to: bigint): string {
  const known = lost.find((l) => l.from < to && from < l.to);
  return known
    ? `lost in storage: ${known.reason}`
    : "no readable record at these offsets (a damaged record skipped by the log; see the broker's log)";
}
