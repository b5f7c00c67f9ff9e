import type { ConsumerHandle } from "./consumer.ts";
import type { Dispatcher, Subscription } from "./subscription.ts";
import type { StreamMessage } from "./types.ts";

/**
 * At-most-once delivery: each published message goes to the consumer chosen by the subscription
 * type if one is attached and has room; otherwise it is counted as dropped (non-reliable topics
 * promise nothing more). Nothing is stored.
 */
export class NonReliableDispatcher implements Dispatcher {
  dropped = 0;

  constructor(private readonly subscription: Subscription) {}

  dispatch(message: StreamMessage): void {
    const route = this.subscription.route(message);
    if (route === "skip") return; // no consumer's key filter accepts this key
    if (!route?.enqueue(message)) this.dropped++;
  }

  wake(): void {}
  consumerInactive(_consumer: ConsumerHandle): void {}
  ack(_offset: bigint): void {}
  nack(): void {}
  async close(): Promise<void> {}
}
