import { danube } from "@danube-ts/protocol";

export type StreamMessage = danube.StreamMessage;

const WireSubscriptionType = danube.ConsumerRequest_SubscriptionType;
const WireDispatchStrategy = danube.DispatchStrategy;

/** Subscription types, numbered as on the wire (from the generated protocol). */
export const SubscriptionType = {
  Exclusive: WireSubscriptionType.Exclusive,
  Shared: WireSubscriptionType.Shared,
  Failover: WireSubscriptionType.Failover,
  KeyShared: WireSubscriptionType.KeyShared,
} as const;
export type SubscriptionType = (typeof SubscriptionType)[keyof typeof SubscriptionType];

export const DispatchStrategy = {
  NonReliable: WireDispatchStrategy.NonReliable,
  Reliable: WireDispatchStrategy.Reliable,
} as const;
export type DispatchStrategy = (typeof DispatchStrategy)[keyof typeof DispatchStrategy];

/**
 * Where a consumer's messages go: the open ReceiveMessages stream. `write` returns false when
 * the transport wants the writer to wait for `onDrain` before writing more.
 */
export interface MessageSink {
  /** `written`, when given, is called once the transport has taken the message off its buffers. */
  write(message: StreamMessage, written?: () => void): boolean;
  onDrain(listener: () => void): void;
  /** Ends the stream cleanly (status OK): another stream replaced it, or the consumer was removed. */
  end(): void;
  /**
   * Ends the stream with UNAVAILABLE (the broker is going away), so that every client, upstream's
   * Go client included, treats it as retryable and subscribes again.
   */
  abort(reason: string): void;
}

/** What a subscription does when a message is nacked or its ack times out (admin SubscriptionFailurePolicy). */
export interface FailurePolicy {
  maxRedeliveryCount: number;
  ackTimeoutMs: number;
  baseRedeliveryDelayMs: number;
  maxRedeliveryDelayMs: number;
  backoff: "fixed" | "exponential";
  /** What happens to a message whose redeliveries are exhausted. */
  poison: "block" | "drop" | "dead_letter";
  deadLetterTopic: string | undefined;
}

/** The policy a reliable subscription gets when none was set for it (upstream's defaults). */
export const defaultFailurePolicy: FailurePolicy = {
  maxRedeliveryCount: 5,
  ackTimeoutMs: 30_000,
  baseRedeliveryDelayMs: 1_000,
  maxRedeliveryDelayMs: 60_000,
  backoff: "exponential",
  poison: "block",
  deadLetterTopic: undefined,
};
