/**
 * Plain counters kept on the broker's objects and read by the metrics exporter at scrape time.
 * Each update is one integer addition on the hot path; nothing here allocates or looks anything up.
 */

/** Per topic (or partition), since the broker started. */
export interface TopicStats {
  /** Messages stored (reliable) or handed to the subscriptions (non-reliable). */
  messagesIn: number;
  /** Payload bytes of those messages. */
  bytesIn: number;
}

/** Per subscription, since the broker started (or since the subscription was created). */
export interface SubscriptionStats {
  /** Messages written to a consumer stream (first deliveries and redeliveries). */
  messagesOut: number;
  bytesOut: number;
  /** Negative acknowledgements accepted. */
  nacks: number;
  /** Deliveries of a message that had been delivered before. */
  redeliveries: number;
  /** Deliveries whose ack did not arrive within the ack timeout. */
  ackTimeouts: number;
  /** Messages whose redeliveries were exhausted (then dropped, blocked or dead-lettered). */
  retryExhausted: number;
  /** Messages republished to the dead-letter topic. */
  deadLettered: number;
  /** Messages dropped by the subscription: poison policy `drop` (reliable) or no room (non-reliable). */
  dropped: number;
  /** Dispatch passes started by the log's commit notification (upstream's notifier polls). */
  notifierPolls: number;
  /** Dispatch passes started by the heartbeat (a redelivery came due, or a missed notification). */
  heartbeatPolls: number;
}

export const newTopicStats = (): TopicStats => ({ messagesIn: 0, bytesIn: 0 });

export const newSubscriptionStats = (): SubscriptionStats => ({
  messagesOut: 0,
  bytesOut: 0,
  nacks: 0,
  redeliveries: 0,
  ackTimeouts: 0,
  retryExhausted: 0,
  deadLettered: 0,
  dropped: 0,
  notifierPolls: 0,
  heartbeatPolls: 0,
});

/** What a reliable subscription's dispatcher reports at scrape time (computed then, O(window)). */
export interface WindowSnapshot {
  /** First offset not acknowledged. */
  cursor: bigint;
  /** Delivered and waiting for an ack. */
  unacked: number;
  /** Waiting for a redelivery. */
  pendingRedelivery: number;
  /** Poisoned messages (retries exhausted under Block, or a dead-letter publish not done yet). */
  poisoned: number;
  /** Messages held in the window (read from the log, not acknowledged). */
  inWindow: number;
  /** Offsets met unreadable (damaged or undecodable records), skipped or dead-lettered, since start. */
  unreadable: number;
}
