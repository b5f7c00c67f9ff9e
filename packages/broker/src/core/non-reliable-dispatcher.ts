import type { ConsumerHandle } from "./consumer.ts";
import type { Dispatcher, Subscription } from "./subscription.ts";
import type { StreamMessage } from "./types.ts";

/**
 * At-most-once delivery: each published message goes to the consumer chosen by the subscription
 * type if one is attached and has room; otherwise it is counted as dropped. Nothing is stored.
 */
export class NonReliableDispatcher implements Dispatcher {
  dropped = 0;

  constructor(private readonly subscription: Subscription) {}

  dispatch(message: StreamMessage): void {
    const consumer = this.subscription.pickConsumer(message);
    if (!consumer || !consumer.enqueue(message)) this.dropped++;
  }

  wake(): void {}
  consumerInactive(_consumer: ConsumerHandle): void {}
  ack(_offset: bigint): void {}
  nack(): void {}
  async close(): Promise<void> {}
}
