// Public enumerations (as const objects) and their conversion to the generated protocol enums.
import { danube } from "@danube-ts/protocol";

/** How the broker delivers a topic's messages. Fixed by the first producer of a topic. */
export const DispatchStrategy = {
  /** Messages are pushed to consumers without being stored; lost if nobody is connected. */
  NonReliable: "NonReliable",
  /** Messages are stored and redelivered until acknowledged. */
  Reliable: "Reliable",
} as const;

/** One of the values of {@link DispatchStrategy}. */
export type DispatchStrategy = (typeof DispatchStrategy)[keyof typeof DispatchStrategy];

/** Every dispatch strategy, for validation. */
export const allowedDispatchStrategies: readonly DispatchStrategy[] = Object.values(DispatchStrategy);

/** Whether a producer shares its topic with other producers. */
export const ProducerAccessMode = {
  /** Any number of producers may publish to the topic. */
  Shared: "Shared",
  /** The producer must be the topic's only producer; others are refused while it is alive. */
  Exclusive: "Exclusive",
} as const;

/** One of the values of {@link ProducerAccessMode}. */
export type ProducerAccessMode = (typeof ProducerAccessMode)[keyof typeof ProducerAccessMode];

/** Every access mode, for validation. */
export const allowedAccessModes: readonly ProducerAccessMode[] = Object.values(ProducerAccessMode);

/** The protocol value of an access mode. */
export function accessModeToWire(value: ProducerAccessMode): danube.ProducerAccessMode {
  return value === ProducerAccessMode.Exclusive
    ? danube.ProducerAccessMode.Exclusive
    : danube.ProducerAccessMode.Shared;
}

/** How a subscription spreads messages over its consumers. */
export const SubscriptionType = {
  /** One consumer only. */
  Exclusive: "Exclusive",
  /** Round robin over all consumers. */
  Shared: "Shared",
  /** One active consumer, others stand by. */
  Failover: "Failover",
  /** Messages with the same routing key go to the same consumer. */
  KeyShared: "KeyShared",
} as const;

/** One of the values of {@link SubscriptionType}. */
export type SubscriptionType = (typeof SubscriptionType)[keyof typeof SubscriptionType];

/** Every subscription type, for validation. */
export const allowedSubscriptionTypes: readonly SubscriptionType[] = Object.values(SubscriptionType);

const dispatchToWire: Record<DispatchStrategy, danube.DispatchStrategy> = {
  NonReliable: danube.DispatchStrategy.NonReliable,
  Reliable: danube.DispatchStrategy.Reliable,
};

const subscriptionToWire: Record<SubscriptionType, danube.ConsumerRequest_SubscriptionType> = {
  Exclusive: danube.ConsumerRequest_SubscriptionType.Exclusive,
  Shared: danube.ConsumerRequest_SubscriptionType.Shared,
  Failover: danube.ConsumerRequest_SubscriptionType.Failover,
  KeyShared: danube.ConsumerRequest_SubscriptionType.KeyShared,
};

/** The protocol value of a dispatch strategy. */
export function dispatchStrategyToWire(value: DispatchStrategy): danube.DispatchStrategy {
  return dispatchToWire[value];
}

/** The protocol value of a subscription type. */
export function subscriptionTypeToWire(value: SubscriptionType): danube.ConsumerRequest_SubscriptionType {
  return subscriptionToWire[value];
}
