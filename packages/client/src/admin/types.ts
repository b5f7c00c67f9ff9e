// Public types of the admin client: options, requests, results and their as-const enumerations.
import type { DispatchStrategy, SubscriptionType } from "../enums.ts";
import type { SecurityOptions } from "../transport/security.ts";

/** Options of {@link createAdminClient}. */
export interface AdminClientOptions extends SecurityOptions {
  /** The broker's admin listener: `http://host:port`, `https://host:port` or `host:port`. */
  adminUrl: string;
  /**
   * Default time limit of every admin call (admin calls are not retried).
   * @default 30000
   */
  requestTimeoutMs?: number;
}

/** How the redelivery delay grows with each failed delivery of a reliable message. */
export const BackoffStrategy = {
  /** Always `baseRedeliveryDelayMs`. */
  Fixed: "Fixed",
  /** `baseRedeliveryDelayMs * 2^(attempt - 1)`, capped at `maxRedeliveryDelayMs`. */
  Exponential: "Exponential",
} as const;

/** One of the values of {@link BackoffStrategy}. */
export type BackoffStrategy = (typeof BackoffStrategy)[keyof typeof BackoffStrategy];

/** What happens to a message delivered more than `maxRedeliveryCount + 1` times. */
export const PoisonPolicy = {
  /** Moved to `deadLetterTopic`. */
  DeadLetter: "DeadLetter",
  /** The subscription stops dispatching until an admin intervenes. */
  Block: "Block",
  /** Skipped. */
  Drop: "Drop",
} as const;

/** One of the values of {@link PoisonPolicy}. */
export type PoisonPolicy = (typeof PoisonPolicy)[keyof typeof PoisonPolicy];

/** Redelivery and dead-letter rules of a subscription on a reliable topic. */
export interface SubscriptionFailurePolicy {
  maxRedeliveryCount: number;
  ackTimeoutMs: bigint;
  baseRedeliveryDelayMs: bigint;
  maxRedeliveryDelayMs: bigint;
  backoffStrategy: BackoffStrategy;
  /** Required with `poisonPolicy: "DeadLetter"`. */
  deadLetterTopic: string | undefined;
  poisonPolicy: PoisonPolicy;
}

/** A failure policy as accepted by `setSubscriptionFailurePolicy` (numbers or bigints). */
export interface SubscriptionFailurePolicyInput {
  maxRedeliveryCount: number;
  ackTimeoutMs: bigint | number;
  baseRedeliveryDelayMs: bigint | number;
  maxRedeliveryDelayMs: bigint | number;
  backoffStrategy: BackoffStrategy;
  deadLetterTopic?: string;
  poisonPolicy: PoisonPolicy;
}

/** A topic as listed by `listNamespaceTopics` and `listBrokerTopics`. */
export interface TopicInfo {
  /** `/namespace/topic`. */
  name: string;
  /** The id of the broker hosting the topic ("" when the broker does not say). */
  brokerId: string;
  dispatchStrategy: DispatchStrategy;
}

/** What `describeTopic` returns. */
export interface TopicDescription {
  name: string;
  subscriptions: string[];
  brokerId: string;
  dispatchStrategy: DispatchStrategy;
  schemaSubject: string | undefined;
  schemaId: bigint | undefined;
  schemaVersion: number | undefined;
  schemaType: string | undefined;
  compatibilityMode: string | undefined;
}

/** A broker as listed by `listBrokers`. */
export interface BrokerInfo {
  brokerId: string;
  /** The broker's client URL. */
  brokerUrl: string;
  brokerRole: string;
  adminUrl: string;
  metricsUrl: string;
  status: string;
}

/** Request of `createTopic`. */
export interface CreateTopicRequest {
  /** `/namespace/topic`. */
  name: string;
  dispatchStrategy: DispatchStrategy;
  schemaSubject?: string;
}

/** Request of `createPartitionedTopic`: creates `<name>-part-0` .. `<name>-part-<n-1>`. */
export interface CreatePartitionedTopicRequest extends CreateTopicRequest {
  partitions: number;
}

/** A subscription of a topic. */
export interface SubscriptionRef {
  topic: string;
  subscription: string;
}

/** Request of `setSubscriptionFailurePolicy`. */
export interface SetFailurePolicyRequest extends SubscriptionRef {
  policy: SubscriptionFailurePolicyInput;
}

/** What `getSubscriptionFailurePolicy` returns. */
export interface FailurePolicyInfo {
  /** Undefined when none was stored. */
  policy: SubscriptionFailurePolicy | undefined;
  /**
   * The subscription's stored type. The broker answers 0 (Exclusive) when it has no record,
   * so this is only meaningful for an existing subscription; undefined for unknown values.
   */
  subscriptionType: SubscriptionType | undefined;
}

/** Request of `setSubscriptionDispatchConfig`. */
export interface SetDispatchConfigRequest extends SubscriptionRef {
  /** Unacknowledged messages in flight for the subscription (1-10000). */
  maxUnackedMessages: number;
}

/** A subscription's dispatch settings. */
export interface DispatchConfig {
  maxUnackedMessages: number;
}

/**
 * A namespace's policies as the broker stores them: upstream's snake_case keys
 * (`max_producers_per_topic`, `max_message_size`, ...), 0 or absent meaning no limit.
 */
export type NamespacePolicies = Readonly<Record<string, number | null>>;
