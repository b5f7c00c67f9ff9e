import type { LogFields, Logger } from "../logger.ts";
import type { WindowSnapshot } from "../metrics/stats.ts";
import type { TopicLog } from "../storage/index.ts";
import { AckDeadlines } from "./ack-deadlines.ts";
import type { ConsumerHandle } from "./consumer.ts";
import type { MemoryBudget } from "./memory-budget.ts";
import { MinHeap } from "./min-heap.ts";
import { ReadAhead } from "./read-ahead.ts";
import { readStoredMessage } from "./stored-bytes.ts";
import { type Dispatcher, routingKeyOf, type Subscription } from "./subscription.ts";
import { type FailurePolicy, type StreamMessage, SubscriptionType } from "./types.ts";
import { gapReason, type UnreadableKind, UnreadableRecords } from "./unreadable-records.ts";
import { ENTRY_OVERHEAD, type Entry, type InFlight, type KeyQueue, type Slot } from "./window-entry.ts";

export type { InFlight } from "./window-entry.ts";

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
/** A failed dead-letter publish is tried again after this long (until it succeeds). */
const DEAD_LETTER_RETRY_MS = 1_000;
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
  private readonly inFlight = new Map<bigint, Entry>();
  /**
   * The window in offset order: the cursor is its first live entry. Finished entries before
   * `windowHead` are cleared at once, so nothing keeps an acknowledged message alive (a message
   * held past a young-generation collection would be promoted and cost a full one later).
   */
  private window: (Entry | undefined)[] = [];
  private windowHead = 0;
  /** Waiting entries that are due, by offset: redeliveries go before newer messages. */
  private readonly ready = new MinHeap<Slot>((a, b) => a.entry.offset < b.entry.offset);
  /** Waiting entries not yet due, by due time. */
  private readonly delayed = new MinHeap<Slot>((a, b) => a.at < b.at);
  /** Delivered entries by ack deadline: the heartbeat visits only the expired ones. */
  private readonly deadlines = new AckDeadlines<Slot>(
    (slot) => slot.stamp === slot.entry.stamp && !slot.entry.done && slot.entry.state === "delivered",
  );
  /** Key-Shared: entries per key. */
  private readonly keys = new Map<string, KeyQueue>();
  /** Key-Shared: keys whose first entry is poisoned (their entries are parked). */
  private readonly poisonedKeys = new Set<string>();
  private poisonedCount = 0;
  private readonly keyShared: boolean;
  /** Records read from the log but not yet in the window. */
  private readonly readAhead: ReadAhead;
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
    this.keyShared = options.subscription.type === SubscriptionType.KeyShared;
    this.readAhead = new ReadAhead(options.log);
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
    if (!this.options.subscription.hasActiveConsumer()) {
      // Nobody reads now: do not hold records beyond the window meanwhile.
      this.readAhead.clear();
    }
    this.wake();
  }

  ack(offset: bigint): void {
    const entry = this.inFlight.get(offset);
    // A held notice was never delivered: only its dead-letter publish finishes it.
    if (this.closed || !entry || entry.state === "held") return;
    this.finish(entry);
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
    this.ready.clear();
    this.delayed.clear();
    this.deadlines.clear();
    this.readAhead.clear();
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

  private makeWaiting(entry: Entry, at: number): void {
    entry.state = "waiting";
    entry.consumer = undefined;
    entry.deadline = at;
    this.schedule(entry);
  }

  /**
   * Queues a waiting entry for (re)delivery at its deadline. Under Key-Shared only the first
   * entry of its key is queued; the next one is queued when that one finishes.
   */
  private schedule(entry: Entry): void {
    if (entry.done || entry.state !== "waiting") return;
    if (this.keyShared) {
      const queue = this.keys.get(entry.key);
      if (queue?.entries[queue.head] !== entry) return;
    }
    entry.stamp++;
    const slot: Slot = { entry, stamp: entry.stamp, at: entry.deadline };
    if (slot.at <= Date.now()) this.ready.push(slot);
    else this.delayed.push(slot);
  }

  private setPoisoned(entry: Entry): void {
    if (entry.state !== "poisoned") {
      this.poisonedCount++;
      if (this.keyShared) this.poisonedKeys.add(entry.key);
    }
    entry.state = "poisoned";
    entry.stamp++;
  }

  /** Removes a finished (acked, dropped, dead-lettered or skipped) entry and moves the cursor. */
  private finish(entry: Entry): void {
    if (entry.done) return;
    entry.done = true;
    entry.stamp++;
    if (entry.state === "poisoned") {
      this.poisonedCount--;
      if (this.keyShared) this.poisonedKeys.delete(entry.key);
    }
    if (this.inFlight.delete(entry.offset) && !this.closed) {
      this.windowBytes -= entry.bytes;
      this.options.budget.release(entry.bytes);
    }
    if (this.keyShared) this.finishInKey(entry);
    const window = this.window;
    while (this.windowHead < window.length && window[this.windowHead]!.done)
      window[this.windowHead++] = undefined;
    if (this.windowHead > 1024 && this.windowHead * 2 > window.length) {
      this.window = window.slice(this.windowHead);
      this.windowHead = 0;
    }
    const next = this.window[this.windowHead]?.offset ?? this.readPosition;
    if (next > this.cursor) {
      this.cursor = next;
      if (!this.closed) this.options.onCursor(next);
    }
  }

  /** Key-Shared: the entry left its key's queue; the key's next entry may go out now. */
  private finishInKey(entry: Entry): void {
    const queue = this.keys.get(entry.key);
    if (!queue) return;
    queue.live--;
    if (queue.live === 0) {
      this.keys.delete(entry.key);
      return;
    }
    const before = queue.entries[queue.head];
    while (queue.entries[queue.head]!.done) queue.head++;
    if (queue.head > 64 && queue.head * 2 > queue.entries.length) {
      queue.entries = queue.entries.slice(queue.head);
      queue.head = 0;
    }
    const first = queue.entries[queue.head]!;
    if (first !== before) this.schedule(first);
  }

  /** Policy delay for the failure after delivery attempt `attempts`; a nack's delay is a minimum. */
  private retryDelay(attempts: number, requested: number): number {
    const { backoff, baseRedeliveryDelayMs: base, maxRedeliveryDelayMs: max } = this.policy;
    const policyDelay = backoff === "fixed" ? base : base * 2 ** Math.max(0, attempts - 1);
    return Math.min(Math.max(policyDelay, requested), max);
  }

  /** A nack or an ack timeout: schedule a redelivery, or apply the poison policy when exhausted. */
  private fail(entry: Entry, requestedDelay: number, reason: string): void {
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
        this.finish(entry);
        return;
      case "dead_letter": {
        const topic = this.policy.deadLetterTopic;
        this.setPoisoned(entry);
        if (topic) this.deadLetter(entry, topic, `offset ${entry.offset}`);
        return;
      }
      default:
        this.options.logger.warn(
          `${this.describe()}: offset ${entry.offset} exhausted ${entry.attempts} deliveries; blocking (${reason})`,
          this.fields(entry),
        );
        this.setPoisoned(entry);
    }
  }

  /**
   * Publishes `entry` (poisoned, or an unreadable range's held notice) to `topic`, trying again
   * after each failure until it is durable there; then it is finished. Stops once the entry left
   * the window (acked meanwhile, or the dispatcher closed: it is redelivered after a restart).
   */
  private deadLetter(entry: Entry, topic: string, what: string, onDone?: () => void): void {
    const attempt = () => {
      if (this.closed || this.inFlight.get(entry.offset) !== entry) return;
      this.options.deadLetter(entry, topic).then(
        () => {
          if (this.inFlight.get(entry.offset) !== entry) return;
          onDone?.();
          this.options.subscription.stats.deadLettered++;
          this.finish(entry);
          this.wake();
        },
        (err: unknown) => {
          this.logFailure(
            `dead-lettering ${what} to ${topic} failed (retried every ${DEAD_LETTER_RETRY_MS} ms)`,
            err,
          );
          setTimeout(attempt, DEAD_LETTER_RETRY_MS).unref();
        },
      );
    };
    attempt();
  }

  private heartbeat(): void {
    const now = Date.now();
    this.deadlines.takeDue(now, (slot) => {
      this.options.subscription.stats.ackTimeouts++;
      this.fail(slot.entry, 0, "ack timeout");
    });
    const next = this.delayed.peek();
    const due = next !== undefined && next.at <= now;
    if (due || this.readPosition < this.options.log.committedOffset) {
      this.options.subscription.stats.heartbeatPolls++;
      this.wake();
    }
  }

  private deliver(entry: Entry, consumer: ConsumerHandle): void {
    entry.stamp++;
    entry.consumer = consumer;
    if (entry.attempts > 0) this.options.subscription.stats.redeliveries++;
    entry.attempts++;
    entry.state = "delivered";
    entry.deadline = Date.now() + this.policy.ackTimeoutMs;
    this.deadlines.push({ entry, stamp: entry.stamp, at: entry.deadline }, this.inFlight.size);
    consumer.enqueue(entry.message);
  }

  /**
   * (Re)delivers what is due, oldest offset first, without scanning the window: waiting entries
   * sit in heaps (due by offset, not yet due by time). Returns false when the subscription is
   * blocked (a poisoned message under Block, for every type but Key-Shared).
   */
  private deliverDue(): boolean {
    // Blocked behind a poisoned message: only older messages may still go out.
    const blockedAt = this.poisonedCount > 0 && !this.keyShared ? this.firstPoisoned() : undefined;
    const { subscription } = this.options;
    const now = Date.now();
    for (let slot = this.delayed.peek(); slot !== undefined && slot.at <= now; slot = this.delayed.peek()) {
      this.delayed.pop();
      if (this.isCurrent(slot)) this.ready.push(slot);
    }
    const stalled: Slot[] = [];
    for (let slot = this.ready.peek(); slot !== undefined; slot = this.ready.peek()) {
      if (!this.isCurrent(slot)) {
        this.ready.pop();
        continue;
      }
      const entry = slot.entry;
      if (blockedAt !== undefined && entry.offset > blockedAt) break;
      const route = subscription.route(entry.message);
      if (route === undefined && !this.keyShared) break; // nobody can take it yet: keep the order
      this.ready.pop();
      if (route === "skip") this.finish(entry);
      else if (route !== undefined) this.deliver(entry, route);
      else stalled.push(slot); // this key has no consumer now; another key may
    }
    for (const slot of stalled) this.ready.push(slot);
    this.parked = 0;
    for (const key of this.poisonedKeys) this.parked += this.keys.get(key)?.live ?? 0;
    return blockedAt === undefined;
  }

  /** Offset of the oldest poisoned entry (a scan: only while the subscription is blocked). */
  private firstPoisoned(): bigint | undefined {
    for (let i = this.windowHead; i < this.window.length; i++) {
      const entry = this.window[i]!;
      if (!entry.done && entry.state === "poisoned") return entry.offset;
    }
    return undefined;
  }

  private isCurrent(slot: Slot): boolean {
    const entry = slot.entry;
    return slot.stamp === entry.stamp && !entry.done && entry.state === "waiting";
  }

  /** Adds a record read from the log to the window (waiting for its first delivery). */
  private admit(offset: bigint, message: StreamMessage, bytes: number): void {
    const key = this.keyShared ? routingKeyOf(message) : "";
    const entry: Entry = {
      offset,
      message,
      consumer: undefined,
      attempts: 0,
      state: "waiting",
      deadline: 0,
      lastReason: undefined,
      bytes,
      stamp: 0,
      done: false,
      key,
    };
    this.inFlight.set(offset, entry);
    this.window.push(entry);
    if (this.keyShared) {
      let queue = this.keys.get(key);
      if (!queue) {
        queue = { entries: [], head: 0, live: 0 };
        this.keys.set(key, queue);
      }
      queue.entries.push(entry);
      queue.live++;
    }
    this.schedule(entry);
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
    // Held in the window (in offset order, so the cursor waits for it) until the notice is durable;
    // "held" is neither delivered nor poisoned, so it blocks no delivery of the records after it.
    // Its key matches no Key-Shared queue: it parks no key's messages.
    const entry: Entry = {
      offset: from,
      message: UnreadableRecords.notice(range, raw),
      consumer: undefined,
      attempts: 0,
      state: "held",
      deadline: 0,
      lastReason: reason,
      bytes,
      stamp: 0,
      done: false,
      key: `\u0000unreadable:${from}`,
    };
    this.inFlight.set(from, entry);
    this.window.push(entry);
    this.windowBytes += bytes;
    this.options.budget.take(bytes);
    this.deadLetter(entry, topic, `unreadable offsets [${from}, ${to})`, () => {
      range.outcome = "dead_lettered";
      this.unreadable.deadLettered++;
    });
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
      const records = await this.readAhead.next(
        this.readPosition,
        this.maxUnacked - used,
        Math.max(1, byteRoom),
        subscription.hasActiveConsumer(),
      );
      if (this.closed) return;
      if (records.length === 0) {
        // Everything up to the committed end was unreadable: the failure policy takes the range.
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
          // Delivered as stored, msg_id replaced (stored-bytes.ts).
          message = readStoredMessage(record.payload, subscription.topicName, record.offset);
        } catch (err) {
          // Intact on disk (CRC) but not a message: never blocks the subscription.
          const why = `the stored message cannot be decoded (${err instanceof Error ? err.message : String(err)})`;
          this.meetUnreadable(record.offset, record.offset + 1n, "undecodable", why, record.payload);
          this.readPosition = record.offset + 1n;
          continue;
        }
        this.admit(record.offset, message, bytes);
        this.windowBytes += bytes;
        this.options.budget.take(bytes);
        this.readPosition = record.offset + 1n;
      }
      this.readAhead.advance(this.readPosition);
      if (this.readPosition === before) {
        budget.windowsDeferred++;
        return;
      }
    }
  }
}
