import type { Logger } from "../logger.ts";
import type { ConsumerHandle } from "./consumer.ts";
import type { Dispatcher, Subscription } from "./subscription.ts";
import type { StreamMessage } from "./types.ts";

const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * At-most-once delivery: each published message goes to the consumer chosen by the subscription
 * type if one is attached and has room; otherwise it is dropped (non-reliable topics promise
 * nothing more) and the drop is counted and logged, at most once per interval. Nothing is stored.
 */
export class NonReliableDispatcher implements Dispatcher {
  dropped = 0;
  private reported = 0;
  private lastReport = 0;

  constructor(
    private readonly subscription: Subscription,
    private readonly logger: Logger,
  ) {}

  dispatch(message: StreamMessage): void {
    const route = this.subscription.route(message);
    if (route === "skip") return; // no consumer's key filter accepts this key
    if (route?.enqueue(message)) return;
    this.dropped++;
    const now = Date.now();
    if (now - this.lastReport < DROP_LOG_INTERVAL_MS) return;
    this.logger.warn(
      `${this.subscription.topicName} [${this.subscription.name}]: dropped ${this.dropped - this.reported} non-reliable message(s): ${route ? "consumer buffer full" : "no active consumer"}`,
    );
    this.reported = this.dropped;
    this.lastReport = now;
  }

  wake(): void {}
  consumerInactive(_consumer: ConsumerHandle): void {}
  ack(_offset: bigint): void {}
  nack(): void {}
  async close(): Promise<void> {}
}
