import type { ConsumerHandle } from "./consumer.ts";
import { fnv1a64 } from "./key-hash.ts";
import { type StreamMessage, SubscriptionType } from "./types.ts";

/** Receives the events a subscription's dispatcher reacts to. */
export interface Dispatcher {
  /** New messages may be available, or consumers changed: try to deliver. */
  wake(): void;
  consumerInactive(consumer: ConsumerHandle): void;
  ack(offset: bigint): void;
  nack(offset: bigint, delayMs: number | undefined, reason: string | undefined): void;
  /** Non-reliable topics push each published message straight through. */
  dispatch?(message: StreamMessage): void;
  close(): Promise<void>;
}

/**
 * A named subscription on one topic: its type (fixed by the first consumer), its consumers in
 * attach order, and the dispatcher that decides who gets which message.
 */
export class Subscription {
  readonly consumers: ConsumerHandle[] = [];
  dispatcher!: Dispatcher;
  private roundRobin = 0;

  constructor(
    readonly topicName: string,
    readonly name: string,
    readonly type: SubscriptionType,
  ) {}

  activeConsumers(): ConsumerHandle[] {
    return this.consumers.filter((c) => c.active);
  }

  hasActiveConsumer(): boolean {
    return this.consumers.some((c) => c.active);
  }

  findByName(name: string): ConsumerHandle | undefined {
    return this.consumers.find((c) => c.name === name);
  }

  /** The consumer that should get `message` now, or undefined when nobody can take it. */
  pickConsumer(message: StreamMessage): ConsumerHandle | undefined {
    const active = this.activeConsumers();
    if (active.length === 0) return undefined;
    switch (this.type) {
      case SubscriptionType.Shared: {
        const consumer = active[this.roundRobin % active.length];
        this.roundRobin = (this.roundRobin + 1) % Number.MAX_SAFE_INTEGER;
        return consumer;
      }
      case SubscriptionType.KeyShared: {
        // Stable per key while membership is stable; the consistent-hash ring comes with issue #3.
        const key = message.routingKey ?? message.producerName;
        return active[Number(fnv1a64(key) % BigInt(active.length))];
      }
      default:
        // Exclusive has one consumer; Failover delivers to the first attached active consumer.
        return active[0];
    }
  }
}
