import type { Logger } from "../logger.ts";
import { assertTopicName } from "../topic-name.ts";
import type { InFlight } from "./reliable-dispatcher.ts";
import type { Subscription } from "./subscription.ts";
import type { TopicCatalog } from "./topic-catalog.ts";
import { DispatchStrategy, type StreamMessage } from "./types.ts";

/**
 * Republishes messages whose redeliveries are exhausted to a subscription's dead-letter topic, as
 * the broker's own producer. The copy keeps payload and attributes and adds the `x-original-*`
 * attributes upstream defines; routing key and schema id are not carried over.
 */
export class DeadLetterPublisher {
  private sequence = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly catalog: TopicCatalog,
    private readonly brokerUrl: () => string,
    private readonly logger: Logger,
  ) {}

  publish(subscription: Subscription, entry: InFlight, deadLetterTopic: string): Promise<void> {
    const work = this.send(subscription, entry, deadLetterTopic);
    this.pending.add(work);
    const forget = () => this.pending.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Waits for dead-letter publishes under way (used at shutdown). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async send(subscription: Subscription, entry: InFlight, deadLetterTopic: string): Promise<void> {
    assertTopicName(deadLetterTopic);
    const topic = await this.catalog.getOrCreate(deadLetterTopic, DispatchStrategy.Reliable);
    if (!topic.reliable) {
      throw new Error(`dead-letter topic ${deadLetterTopic} is not reliable`);
    }
    const original = entry.message;
    const attributes: Record<string, string> = {
      ...original.attributes,
      "x-original-topic": subscription.topicName,
      "x-original-subscription": subscription.name,
      "x-original-topic-offset": String(entry.offset),
      "x-original-producer-id": String(original.msgId?.producerId ?? 0n),
      "x-original-broker-addr": original.msgId?.brokerAddr ?? "",
      "x-poison-policy": "dead_letter",
      "x-delivery-attempt": String(entry.attempts),
    };
    if (entry.lastReason) attributes["x-failure-reason"] = entry.lastReason;
    this.sequence++;
    const copy: StreamMessage = {
      requestId: BigInt(this.sequence),
      msgId: { producerId: 0n, topicName: topic.name, brokerAddr: this.brokerUrl(), topicOffset: 0n },
      payload: original.payload,
      publishTime: BigInt(Date.now()),
      producerName: `broker-replicator-${this.catalog.brokerId}-${this.sequence}`,
      subscriptionName: "",
      attributes,
    };
    await topic.publish(copy);
    this.logger.info(
      `dead-lettered ${subscription.topicName} offset ${entry.offset} [${subscription.name}] to ${topic.name}`,
      {
        topic: subscription.topicName,
        subscription: subscription.name,
        offset: entry.offset,
        deadLetterTopic: topic.name,
      },
    );
  }
}
