import type { Logger } from "../logger.ts";
import type { ConsumerHandle } from "./consumer.ts";
import { type MemoryBudget, messageBytes } from "./memory-budget.ts";
import type { Dispatcher, Subscription } from "./subscription.ts";
import type { StreamMessage } from "./types.ts";

const DROP_LOG_INTERVAL_MS = 10_000;

export interface NonReliableLimits {
  /** Accounted bytes all consumers of this subscription may hold together. */
  subscriptionBytes: number;
  budget: MemoryBudget;
}

/**
 * At-most-once delivery: each published message goes to the consumer chosen by the subscription
 * type if one is attached and has room; otherwise it is dropped (non-reliable topics promise
 * nothing more) and the drop is counted and logged, at most once per interval. Room is bounded
 * by message count and bytes per consumer, bytes per subscription and bytes broker-wide.
 */
export class NonReliableDispatcher implements Dispatcher {
  dropped = 0;
  private reported = 0;
  private lastReport = 0;

  constructor(
    private readonly subscription: Subscription,
    private readonly logger: Logger,
    private readonly limits: NonReliableLimits,
  ) {}

  dispatch(message: StreamMessage): void {
    const route = this.subscription.route(message);
    if (route === "skip") return; // no consumer's key filter accepts this key
    const bytes = messageBytes(message);
    let refusal: string | undefined = "no active consumer";
    if (route) {
      refusal =
        this.heldBytes() + bytes > this.limits.subscriptionBytes
          ? "subscription byte budget"
          : route.enqueue(message, bytes);
    }
    if (refusal === undefined) return;
    this.dropped++;
    this.subscription.stats.dropped++;
    this.limits.budget.noteDrop(bytes);
    const now = Date.now();
    if (now - this.lastReport < DROP_LOG_INTERVAL_MS) return;
    this.logger.warn(
      `${this.subscription.topicName} [${this.subscription.name}]: dropped ${this.dropped - this.reported} non-reliable message(s): ${refusal}`,
      {
        topic: this.subscription.topicName,
        subscription: this.subscription.name,
        dropped: this.dropped - this.reported,
      },
    );
    this.reported = this.dropped;
    this.lastReport = now;
  }

  private heldBytes(): number {
    let total = 0;
    for (const consumer of this.subscription.consumers) total += consumer.bufferedBytes;
    return total;
  }

  wake(): void {}
  consumerInactive(_consumer: ConsumerHandle): void {}
  ack(_offset: bigint): void {}
  nack(): void {}
  async close(): Promise<void> {}
}
