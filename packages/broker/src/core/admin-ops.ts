import { isValidNamespaceName } from "@danube-ts/protocol";
import { alreadyExists, BrokerError, failedPrecondition, invalidArgument, notFound } from "../errors.ts";
import { assertTopicName, parsePartition, partitionName } from "../topic-name.ts";
import type { BrokerCore } from "./broker-core.ts";
import type { Topic } from "./topic.ts";
import { DispatchStrategy, type FailurePolicy, SubscriptionType } from "./types.ts";

export interface TopicDescription {
  name: string;
  subscriptions: string[];
  delivery: "Reliable" | "NonReliable";
}

const MAX_UNACKED_LIMIT = 10_000;
const UNSUBSCRIBE_GRACE_MS = 500;

export const deliveryName = (strategy: DispatchStrategy) =>
  strategy === DispatchStrategy.Reliable ? "Reliable" : "NonReliable";

/**
 * The admin operations on namespaces, topics and subscriptions, with upstream's status codes and
 * messages (the admin API wraps most failures in NOT_FOUND).
 */
export class AdminOps {
  constructor(private readonly core: BrokerCore) {}

  // ---- namespaces --------------------------------------------------------------------------------

  async createNamespace(name: string): Promise<void> {
    const { catalog } = this.core;
    if (catalog.hasNamespace(name)) {
      throw notFound(`Unable to create the namespace ${name} due to Namespace ${name} already exists.`);
    }
    if (!isValidNamespaceName(name)) {
      throw invalidArgument(`Invalid namespace name '${name}': use letters, digits, '_' or '-'`);
    }
    await catalog.createNamespace(name);
  }

  async deleteNamespace(name: string): Promise<void> {
    const { catalog } = this.core;
    if (!catalog.hasNamespace(name))
      throw notFound(`Unable to delete the namespace ${name}: it does not exist`);
    if (this.topicsOf(name).length > 0) {
      throw notFound(
        `Unable to delete the namespace ${name} due to Can't delete and non empty namespace: ${name}`,
      );
    }
    await catalog.deleteNamespace(name);
  }

  topicsOf(namespace: string): Topic[] {
    return this.core.catalog.all().filter((t) => t.name.startsWith(`/${namespace}/`));
  }

  namespacePolicies(name: string): string {
    if (!this.core.catalog.hasNamespace(name)) throw notFound(`Namespace ${name} not found`);
    return JSON.stringify({
      max_producers_per_topic: 0,
      max_subscriptions_per_topic: 0,
      max_consumers_per_topic: 0,
      max_consumers_per_subscription: 0,
      max_publish_rate: 0,
      max_subscription_dispatch_rate: 0,
      max_message_size: this.core.options.maxMessageSize,
    });
  }

  // ---- topics ------------------------------------------------------------------------------------

  async createTopic(name: string, strategy: number): Promise<Topic> {
    if (strategy !== DispatchStrategy.NonReliable && strategy !== DispatchStrategy.Reliable) {
      throw invalidArgument(`Invalid dispatch strategy ${strategy}`);
    }
    try {
      assertTopicName(name);
      if (this.core.catalog.get(name)) throw alreadyExists(`Topic '${name}' already exists`);
      return await this.core.catalog.getOrCreate(name, strategy as DispatchStrategy);
    } catch (err) {
      const reason = err instanceof BrokerError ? err.message : String(err);
      throw notFound(`Unable to create the topic ${name} due to ${reason}`);
    }
  }

  async createPartitionedTopic(base: string, partitions: number, strategy: number): Promise<Topic[]> {
    assertTopicName(base);
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw invalidArgument(`partitions must be at least 1, got ${partitions}`);
    }
    const created: Topic[] = [];
    for (let i = 0; i < partitions; i++)
      created.push(await this.createTopic(partitionName(base, i), strategy));
    return created;
  }

  /** Deleting a base name deletes all its partitions; a single partition cannot be deleted alone. */
  async deleteTopic(name: string): Promise<void> {
    assertTopicName(name);
    const { catalog } = this.core;
    const partition = parsePartition(name);
    if (partition && catalog.partitionsOf(partition.base).includes(name) && !catalog.get(partition.base)) {
      throw failedPrecondition(
        `Cannot delete individual partition '${name}'. Delete the base topic '${partition.base}' instead`,
      );
    }
    const topics = catalog.get(name)
      ? [catalog.get(name)!]
      : catalog.partitionsOf(name).map((p) => catalog.get(p)!);
    if (topics.length === 0) throw notFound(`Unable to find the topic: ${name}`);
    for (const topic of topics) await this.core.dropTopic(topic);
  }

  describeTopic(name: string): TopicDescription {
    const topic = this.topic(name);
    return {
      name: topic.name,
      subscriptions: [...topic.subscriptions.keys()].sort(),
      delivery: deliveryName(topic.dispatchStrategy),
    };
  }

  listSubscriptions(name: string): string[] {
    return [...this.topic(name).subscriptions.keys()].sort();
  }

  // ---- subscriptions -----------------------------------------------------------------------------

  /** Removes a subscription that has no active consumer (waiting briefly for consumers just closing). */
  async unsubscribe(topicName: string, name: string): Promise<void> {
    const topic = this.topic(topicName);
    const subscription = topic.subscriptions.get(name);
    if (!subscription)
      throw notFound(`Unable to unsubscribe ${name} from ${topicName}: no such subscription`);
    const deadline = Date.now() + UNSUBSCRIBE_GRACE_MS;
    while (subscription.hasActiveConsumer() && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    if (subscription.hasActiveConsumer()) {
      throw notFound(
        `Unable to unsubscribe ${name} from ${topicName}: the subscription has active consumers`,
      );
    }
    await this.core.dropSubscription(topic, subscription);
  }

  async setFailurePolicy(
    topicName: string,
    subscription: string,
    policy: FailurePolicy | undefined,
  ): Promise<void> {
    const topic = this.topic(topicName);
    if (!topic.reliable) {
      throw failedPrecondition("subscription failure policy can only be configured for reliable topics");
    }
    if (!policy) throw invalidArgument("failure_policy is required");
    if (policy.poison === "dead_letter") {
      if (!policy.deadLetterTopic?.trim()) {
        throw invalidArgument("a DeadLetter poison policy requires a dead_letter_topic");
      }
      assertTopicName(policy.deadLetterTopic);
    }
    if (policy.maxRedeliveryDelayMs < policy.baseRedeliveryDelayMs) {
      throw invalidArgument("max_redelivery_delay_ms must not be below base_redelivery_delay_ms");
    }
    await this.core.settings.setPolicy(topic.name, subscription, policy);
    topic.subscriptions.get(subscription)?.dispatcher.setPolicy?.(policy);
  }

  failurePolicy(
    topicName: string,
    subscription: string,
  ): { policy: FailurePolicy | undefined; type: number } {
    const topic = this.topic(topicName);
    const live = topic.subscriptions.get(subscription);
    const stored = this.core.settings.policy(topic.name, subscription);
    const policy =
      stored ??
      (live && topic.reliable ? this.core.settings.effectivePolicy(topic.name, subscription) : undefined);
    return { policy, type: live?.type ?? SubscriptionType.Exclusive };
  }

  async setMaxUnacked(topicName: string, subscription: string, maxUnacked: number): Promise<void> {
    const topic = this.topic(topicName);
    if (!Number.isInteger(maxUnacked) || maxUnacked < 1 || maxUnacked > MAX_UNACKED_LIMIT) {
      throw invalidArgument(
        `max_unacked_messages must be between 1 and ${MAX_UNACKED_LIMIT}, got ${maxUnacked}`,
      );
    }
    await this.core.settings.setMaxUnacked(topic.name, subscription, maxUnacked);
    topic.subscriptions.get(subscription)?.dispatcher.setMaxUnacked?.(maxUnacked);
  }

  maxUnacked(topicName: string, subscription: string): number | undefined {
    return this.core.settings.maxUnacked(this.topic(topicName).name, subscription);
  }

  private topic(name: string): Topic {
    assertTopicName(name);
    const topic = this.core.catalog.get(name);
    if (!topic) throw notFound(`Unable to find the topic: ${name}`);
    return topic;
  }
}
