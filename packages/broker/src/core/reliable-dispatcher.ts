import { danube } from "@danube-ts/protocol";
import type { Logger } from "../logger.ts";
import type { TopicLog } from "../storage/index.ts";
import type { ConsumerHandle } from "./consumer.ts";
import type { Dispatcher, Subscription } from "./subscription.ts";
import type { FailurePolicy, StreamMessage } from "./types.ts";

interface InFlight {
  offset: bigint;
  message: StreamMessage;
  /** The consumer holding it, while delivered and unacknowledged. */
  consumer: ConsumerHandle | undefined;
  attempts: number;
  /** Delivered: waiting for an ack until `deadline`. Waiting: redeliver at or after `deadline`. */
  state: "delivered" | "waiting";
  deadline: number;
}

export interface ReliableDispatcherOptions {
  subscription: Subscription;
  log: TopicLog;
  /** First offset not yet acknowledged (everything below it is done). */
  cursor: bigint;
  maxUnacked: number;
  policy: FailurePolicy;
  /** Called whenever the cursor moves forward; persistence is the caller's business. */
  onCursor: (cursor: bigint) => void;
  logger: Logger;
}

const HEARTBEAT_MS = 250;

/**
 * At-least-once delivery for one subscription of a reliable topic. Reads the topic log by offset
 * (never a lossy broadcast), keeps at most `maxUnacked` messages in flight, accepts acks in any
 * order and moves the cursor over the contiguous acknowledged prefix. Nacked, timed-out and
 * orphaned messages (their consumer went away) are redelivered, oldest first, before new ones.
 */
export class ReliableDispatcher implements Dispatcher {
  private readPosition: bigint;
  private cursor: bigint;
  /** Insertion order = offset order, since offsets are read ascending and never re-inserted. */
  private readonly inFlight = new Map<bigint, InFlight>();
  private pumping = false;
  private again = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: ReliableDispatcherOptions) {
    this.cursor = options.cursor;
    this.readPosition = options.cursor;
    this.unsubscribe = options.log.onCommit(() => this.wake());
    this.timer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  get position(): bigint {
    return this.cursor;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  wake(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((err: unknown) => this.options.logger.error(`dispatch failed on ${this.describe()}`, err))
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
    const entry = this.inFlight.get(offset);
    if (!entry) return;
    this.inFlight.delete(offset);
    this.advanceCursor();
    this.wake();
  }

  nack(offset: bigint, delayMs: number | undefined, _reason: string | undefined): void {
    const entry = this.inFlight.get(offset);
    if (!entry || entry.state !== "delivered") return;
    this.makeWaiting(entry, Date.now() + this.retryDelay(entry.attempts, delayMs));
    this.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.unsubscribe();
  }

  private describe(): string {
    return `${this.options.subscription.topicName} [${this.options.subscription.name}]`;
  }

  private makeWaiting(entry: InFlight, at: number): void {
    entry.state = "waiting";
    entry.consumer = undefined;
    entry.deadline = at;
  }

  /** Policy delay for the failure after delivery attempt `attempts`; a nack's delay is a minimum. */
  private retryDelay(attempts: number, requested: number | undefined): number {
    const { backoff, baseRedeliveryDelayMs: base, maxRedeliveryDelayMs: max } = this.options.policy;
    const policyDelay = backoff === "fixed" ? base : base * 2 ** Math.max(0, attempts - 1);
    return Math.min(Math.max(policyDelay, requested ?? 0), max);
  }

  private advanceCursor(): void {
    let next = this.readPosition;
    for (const offset of this.inFlight.keys()) {
      next = offset;
      break;
    }
    if (next > this.cursor) {
      this.cursor = next;
      this.options.onCursor(next);
    }
  }

  private heartbeat(): void {
    const now = Date.now();
    let due = false;
    for (const entry of this.inFlight.values()) {
      if (entry.deadline > now) continue;
      if (entry.state === "delivered") {
        // Ack timeout: treat like a nack without a requested delay.
        this.makeWaiting(entry, now + this.retryDelay(entry.attempts, 0));
      } else {
        due = true;
      }
    }
    if (due || this.readPosition < this.options.log.committedOffset) this.wake();
  }

  private deliver(entry: InFlight, consumer: ConsumerHandle): void {
    entry.consumer = consumer;
    entry.attempts++;
    entry.state = "delivered";
    entry.deadline = Date.now() + this.options.policy.ackTimeoutMs;
    consumer.enqueue(entry.message);
  }

  private async pump(): Promise<void> {
    const { subscription, log, maxUnacked } = this.options;
    const now = Date.now();
    for (const entry of this.inFlight.values()) {
      if (entry.state !== "waiting" || entry.deadline > now) continue;
      const consumer = subscription.pickConsumer(entry.message);
      if (!consumer) return;
      this.deliver(entry, consumer);
    }
    while (!this.closed && this.inFlight.size < maxUnacked && this.readPosition < log.committedOffset) {
      if (!subscription.hasActiveConsumer()) return;
      const records = await log.read(this.readPosition, maxUnacked - this.inFlight.size);
      if (records.length === 0) return;
      for (const record of records) {
        const message = danube.StreamMessage.decode(record.payload);
        message.msgId = {
          producerId: message.msgId?.producerId ?? 0n,
          topicName: subscription.topicName,
          brokerAddr: message.msgId?.brokerAddr ?? "",
          topicOffset: record.offset,
        };
        const entry: InFlight = {
          offset: record.offset,
          message,
          consumer: undefined,
          attempts: 0,
          state: "waiting",
          deadline: 0,
        };
        this.inFlight.set(record.offset, entry);
        this.readPosition = record.offset + 1n;
        const consumer = subscription.pickConsumer(message);
        if (consumer) this.deliver(entry, consumer);
      }
    }
  }
}
