import { danube } from "@danube-ts/protocol";
import type { LogFields, Logger } from "../logger.ts";
import type { WindowSnapshot } from "../metrics/stats.ts";
import type { TopicLog } from "../storage/index.ts";
import type { ConsumerHandle } from "./consumer.ts";
import type { MemoryBudget } from "./memory-budget.ts";
import { type Dispatcher, routingKeyOf, type Subscription } from "./subscription.ts";
import { type FailurePolicy, type StreamMessage, SubscriptionType } from "./types.ts";
import { gapReason, type UnreadableKind, UnreadableRecords } from "./unreadable-records.ts";

export interface InFlight {
  offset: bigint;
  message: StreamMessage;
  /** The consumer holding it, while delivered and unacknowledged. */
  consumer: ConsumerHandle | undefined;
  attempts: number;
  /**
   * delivered: waiting for an ack until `deadline`. waiting: (re)deliver at or after `deadline`.
   * poisoned: redeliveries exhausted under the Block policy (or its dead-letter publish failed).
   */
  state: "delivered" | "waiting" | "poisoned";
  deadline: number;
  lastReason: string | undefined;
  /** Accounted against the subscription's and the broker's byte budgets while in the window. */
  bytes: number;
}

/** Fixed per-entry allowance on top of the stored record (decoded object, bookkeeping). */
const ENTRY_OVERHEAD = 256;

export interface ReliableDispatcherOptions {
  subscription: Subscription;
  log: TopicLog;
  /** First offset not yet acknowledged (everything below it is done). */
  cursor: bigint;
  maxUnacked: number;
  policy: FailurePolicy;
  /** Called whenever the cursor moves forward; persistence is the caller's business. */
  onCursor: (cursor: bigint) => void;
  /** Republishes an exhausted message to the policy's dead-letter topic. */
  deadLetter: (entry: InFlight, topic: string) => Promise<void>;
  logger: Logger;
  /** The window also stops filling at this many bytes (or when the broker-wide budget is spent). */
  maxWindowBytes: number;
  budget: MemoryBudget;
}

const HEARTBEAT_MS = 250;
/** Read failures and unreadable records are logged at most this often per subscription. */
const FAILURE_LOG_INTERVAL_MS = 10_000;
/** A failed dead-letter notice of unreadable offsets is sent again after this long. */
const UNREADABLE_RETRY_MS = 1_000;
/** Messages held behind poisoned keys (Key-Shared, Block) before the subscription stops reading. */
const MAX_PARKED = 10_000;

/**
 * At-least-once delivery for one subscription of a reliable topic. Reads the topic log by offset
 * (never a lossy broadcast), keeps at most `maxUnacked` messages in flight, accepts acks in any
 * order and moves the cursor over the contiguous acknowledged prefix. Nacked, timed-out and
 * orphaned messages (their consumer went away) are redelivered, oldest first, before new ones.
 * Key-Shared keeps at most one message per key in flight, so each key stays in order.
 */
export class ReliableDispatcher implements Dispatcher {
  private readPosition: bigint;
  private cursor: bigint;
  /** Insertion order = offset order, since offsets are read ascending and never re-inserted. */
  private readonly inFlight = new Map<bigint, InFlight>();
  private policy: FailurePolicy;
  private maxUnacked: number;
  /** Key-Shared: entries of keys held by a poisoned (Block) message; they do not use the window. */
  private parked = 0;
  /** Accounted bytes of the entries in `inFlight`. */
  private windowBytes = 0;
  private pumping = false;
  private again = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  /** Offsets that could not be read: skipped or dead-lettered per the policy (unreadable-records.ts). */
  readonly unreadable = new UnreadableRecords();
  private lastFailureLog = 0;
  private suppressedFailures = 0;

  constructor(private readonly options: ReliableDispatcherOptions) {
    this.cursor = options.cursor;
    this.readPosition = options.cursor;
    this.policy = options.policy;
    this.maxUnacked = options.maxUnacked;
    this.unsubscribe = options.log.onCommit(() => {
      options.subscription.stats.notifierPolls++;
      this.wake();
    });
    this.timer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Applies a new failure policy to this subscription, including messages already in flight. */
  setPolicy(policy: FailurePolicy): void {
    this.policy = policy;
    this.wake();
  }

  setMaxUnacked(maxUnacked: number): void {
    this.maxUnacked = maxUnacked;
    this.wake();
  }

  wake(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((err: unknown) =>
        this.logFailure(`reading the log failed (retried every ${HEARTBEAT_MS} ms)`, err),
      )
      .finally(() => {
        this.pumping = false;
        if (this.again && !this.closed) {
          this.again = false;
          this.wake();
        }
      });
  }

  consumerInactive(consumer: ConsumerHandle): void {
    const now = Date.now();
    for (const entry of this.inFlight.values()) {
      if (entry.consumer === consumer && entry.state === "delivered") this.makeWaiting(entry, now);
    }
    this.wake();
  }

  ack(offset: bigint): void {
    if (this.closed || !this.inFlight.has(offset)) return;
    this.finish(offset);
    this.wake();
  }

  nack(offset: bigint, delayMs: number | undefined, reason: string | undefined): void {
    const entry = this.inFlight.get(offset);
    if (this.closed || entry?.state !== "delivered") return;
    this.options.subscription.stats.nacks++;
    this.fail(entry, delayMs ?? 0, reason ?? "negative acknowledgement");
    this.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.unsubscribe();
    this.options.budget.release(this.windowBytes);
    this.windowBytes = 0;
  }

  /** Logs a dispatch failure: the first at once, then at most one line per interval with a count. */
  private logFailure(what: string, err: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) {
      this.suppressedFailures++;
      return;
    }
    const more =
      this.suppressedFailures > 0 ? ` (${this.suppressedFailures} more since the last report)` : "";
    const cause = err === undefined ? [] : [err];
    this.options.logger.error(`${this.describe()}: ${what}${more}`, this.fields(), ...cause);
    this.lastFailureLog = now;
    this.suppressedFailures = 0;
  }

  snapshot(): WindowSnapshot {
    let unacked = 0;
    let pendingRedelivery = 0;
    let poisoned = 0;
    for (const entry of this.inFlight.values()) {
      if (entry.state === "delivered") unacked++;
      else if (entry.state === "poisoned") poisoned++;
      else if (entry.attempts > 0) pendingRedelivery++;
    }
    const unreadable = Number(this.unreadable.offsets);
    return {
      cursor: this.cursor,
      unacked,
      pendingRedelivery,
      poisoned,
      inWindow: this.inFlight.size,
      unreadable,
    };
  }

  /** Log context; the names match the metrics' labels. */
  private fields(entry?: InFlight): LogFields {
    const { topicName: topic, name: subscription } = this.options.subscription;
    if (!entry) return { topic, subscription };
    return { topic, subscription, producer: entry.message.producerName, offset: entry.offset };
  }

  private describe(): string {
    return `${this.options.subscription.topicName} [${this.options.subscription.name}]`;
  }

  private makeWaiting(entry: InFlight, at: number): void {
    entry.state = "waiting";
    entry.consumer = undefined;
    entry.deadline = at;
  }

  /** Removes a finished (acked, dropped, dead-lettered or skipped) entry and moves the cursor. */
  private finish(offset: bigint): void {
    const entry = this.inFlight.get(offset);
    if (entry && this.inFlight.delete(offset) && !this.closed) {
      this.windowBytes -= entry.bytes;
      this.options.budget.release(entry.bytes);
    }
    let next = this.readPosition;
    for (const first of this.inFlight.keys()) {
      next = first;
      break;
    }
    if (next > this.cursor) {
      this.cursor = next;
      if (!this.closed) this.options.onCursor(next);
    }
  }

  /** Policy delay for the failure after delivery attempt `attempts`; a nack's delay is a minimum. */
  private retryDelay(attempts: number, requested: number): number {
    const { backoff, baseRedeliveryDelayMs: base, maxRedeliveryDelayMs: max } = this.policy;
    const policyDelay = backoff === "fixed" ? base : base * 2 ** Math.max(0, attempts - 1);
    return Math.min(Math.max(policyDelay, requested), max);
  }

  /** A nack or an ack timeout: schedule a redelivery, or apply the poison policy when exhausted. */
  private fail(entry: InFlight, requestedDelay: number, reason: string): void {
    entry.lastReason = reason;
    if (entry.attempts <= this.policy.maxRedeliveryCount) {
      this.makeWaiting(entry, Date.now() + this.retryDelay(entry.attempts, requestedDelay));
      return;
    }
    entry.consumer = undefined;
    const stats = this.options.subscription.stats;
    stats.retryExhausted++;
    switch (this.policy.poison) {
      case "drop":
        stats.dropped++;
        this.options.logger.warn(
          `${this.describe()}: dropping offset ${entry.offset} after ${entry.attempts} deliveries`,
          this.fields(entry),
        );
        this.finish(entry.offset);
        return;
      case "dead_letter": {
        const topic = this.policy.deadLetterTopic;
        entry.state = "poisoned";
        if (!topic) return;
        this.options.deadLetter(entry, topic).then(
          () => {
            if (this.inFlight.get(entry.offset) !== entry) return;
            stats.deadLettered++;
            this.finish(entry.offset);
            this.wake();
          },
          (err: unknown) =>
            this.options.logger.error(
              `${this.describe()}: dead-lettering offset ${entry.offset} to ${topic} failed`,
              this.fields(entry),
              err,
            ),
        );
        return;
      }
      default:
        this.options.logger.warn(
          `${this.describe()}: offset ${entry.offset} exhausted ${entry.attempts} deliveries; blocking (${reason})`,
          this.fields(entry),
        );
        entry.state = "poisoned";
    }
  }

  private heartbeat(): void {
    const now = Date.now();
    let due = false;
    for (const entry of this.inFlight.values()) {
      if (entry.deadline > now || entry.state === "poisoned") continue;
      if (entry.state === "delivered") {
        this.options.subscription.stats.ackTimeouts++;
        this.fail(entry, 0, "ack timeout");
      } else due = true;
    }
    if (due || this.readPosition < this.options.log.committedOffset) {
      this.options.subscription.stats.heartbeatPolls++;
      this.wake();
    }
  }

  private deliver(entry: InFlight, consumer: ConsumerHandle): void {
    entry.consumer = consumer;
    if (entry.attempts > 0) this.options.subscription.stats.redeliveries++;
    entry.attempts++;
    entry.state = "delivered";
    entry.deadline = Date.now() + this.policy.ackTimeoutMs;
    consumer.enqueue(entry.message);
  }

  /**
   * One pass over the window in offset order: (re)deliver what is due. Returns false when the
   * subscription is blocked (a poisoned message under Block, for every type but Key-Shared).
   */
  private deliverDue(): boolean {
    const { subscription } = this.options;
    const keyShared = subscription.type === SubscriptionType.KeyShared;
    const busyKeys = new Set<string>();
    const poisonedKeys = new Set<string>();
    const now = Date.now();
    this.parked = 0;
    for (const entry of this.inFlight.values()) {
      if (entry.state === "poisoned" && !keyShared) return false;
      const key = keyShared ? routingKeyOf(entry.message) : "";
      if (keyShared && entry.state === "poisoned") poisonedKeys.add(key);
      if (poisonedKeys.has(key)) this.parked++;
      if (keyShared && busyKeys.has(key)) continue; // an earlier message of this key is unacked
      if (keyShared) busyKeys.add(key);
      if (entry.state !== "waiting" || entry.deadline > now) continue;
      const route = subscription.route(entry.message);
      if (route === "skip") {
        busyKeys.delete(key);
        this.finish(entry.offset);
        continue;
      }
      if (!route) {
        if (keyShared) continue; // another key may still have a consumer
        return true;
      }
      this.deliver(entry, route);
    }
    return true;
  }

  /**
   * Offsets [from, to) cannot be read: counted, logged (rate-limited), and skipped, or held in the
   * window until their notice is durable in the policy's dead-letter topic.
   */
  private meetUnreadable(
    from: bigint,
    to: bigint,
    kind: UnreadableKind,
    why: string | undefined,
    raw?: Uint8Array,
  ): void {
    const reason = why ?? gapReason(this.options.log.recovery.lost, from, to);
    const range = this.unreadable.meet(from, to, kind, reason, this.policy);
    const topic = range.deadLetterTopic;
    this.logFailure(
      `${topic ? `dead-lettering to ${topic}` : "skipped"} unreadable offsets [${from}, ${to}): ${reason}`,
      undefined,
    );
    if (!topic) return;
    const bytes = (raw?.byteLength ?? 0) + ENTRY_OVERHEAD;
    const entry: InFlight = {
      offset: from,
      message: UnreadableRecords.notice(range, raw),
      consumer: undefined,
      attempts: 0,
      state: "poisoned",
      deadline: 0,
      lastReason: reason,
      bytes,
    };
    this.inFlight.set(from, entry);
    this.windowBytes += bytes;
    this.options.budget.take(bytes);
    const attempt = () => {
      if (this.closed || this.inFlight.get(from) !== entry) return;
      this.options.deadLetter(entry, topic).then(
        () => {
          if (this.inFlight.get(from) !== entry) return;
          range.outcome = "dead_lettered";
          this.unreadable.deadLettered++;
          this.options.subscription.stats.deadLettered++;
          this.finish(from);
          this.wake();
        },
        (err: unknown) => {
          this.logFailure(
            `dead-lettering unreadable offsets [${from}, ${to}) to ${topic} failed (retried)`,
            err,
          );
          setTimeout(attempt, UNREADABLE_RETRY_MS).unref();
        },
      );
    };
    attempt();
  }

  private async pump(): Promise<void> {
    const { subscription, log } = this.options;
    for (;;) {
      if (!this.deliverDue() || this.closed) return;
      // A key blocked by a poisoned message keeps its messages but not the other keys' window.
      const used = this.inFlight.size - this.parked;
      if (used >= this.maxUnacked || this.parked >= MAX_PARKED) return;
      if (this.readPosition >= log.committedOffset || subscription.consumers.length === 0) return;
      // Byte budgets: the window stops filling once they are spent (the messages stay in the log
      // and come later), except that an empty window always takes one message, so a message
      // larger than a budget still gets through.
      const { budget, maxWindowBytes } = this.options;
      const byteRoom = Math.min(maxWindowBytes - this.windowBytes, budget.remaining);
      if (this.inFlight.size > 0 && byteRoom <= 0) {
        budget.windowsDeferred++;
        return;
      }
      const upTo = log.committedOffset;
      const records = await log.read(this.readPosition, this.maxUnacked - used, Math.max(1, byteRoom));
      if (this.closed) return;
      if (records.length === 0) {
        // Everything up to the committed end was unreadable (skipped and counted by the log).
        this.meetUnreadable(this.readPosition, upTo, "damaged", undefined);
        this.readPosition = upTo;
        continue;
      }
      const before = this.readPosition;
      for (const record of records) {
        if (record.offset < this.readPosition) continue;
        if (record.offset > this.readPosition) {
          // A gap: the log skipped records it cannot serve.
          this.meetUnreadable(this.readPosition, record.offset, "damaged", undefined);
          this.readPosition = record.offset;
        }
        const bytes = record.payload.byteLength + ENTRY_OVERHEAD;
        const fits = this.windowBytes + bytes <= maxWindowBytes && budget.fits(bytes);
        if (!fits && this.inFlight.size > 0) break; // read again once acks made room
        let message: StreamMessage;
        try {
          message = danube.StreamMessage.decode(record.payload);
        } catch (err) {
          // Intact on disk (CRC) but not a message: never blocks the subscription.
          const why = `the stored message cannot be decoded (${err instanceof Error ? err.message : String(err)})`;
          this.meetUnreadable(record.offset, record.offset + 1n, "undecodable", why, record.payload);
          this.readPosition = record.offset + 1n;
          continue;
        }
        message.msgId = {
          producerId: message.msgId?.producerId ?? 0n,
          topicName: subscription.topicName,
          brokerAddr: message.msgId?.brokerAddr ?? "",
          topicOffset: record.offset,
        };
        this.inFlight.set(record.offset, {
          offset: record.offset,
          message,
          consumer: undefined,
          attempts: 0,
          state: "waiting",
          deadline: 0,
          lastReason: undefined,
          bytes,
        });
        this.windowBytes += bytes;
        this.options.budget.take(bytes);
        this.readPosition = record.offset + 1n;
      }
      if (this.readPosition === before) {
        budget.windowsDeferred++;
        return;
      }
    }
  }
}
