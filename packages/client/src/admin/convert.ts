// Conversions between the admin client's public types and the danube_admin wire messages.
import { admin } from "@danube-ts/protocol";
import {
  allowedDispatchStrategies,
  allowedSubscriptionTypes,
  type DispatchStrategy,
  type SubscriptionType,
} from "../enums.ts";
import { invalidArgument } from "../errors.ts";
import type {
  BackoffStrategy,
  PoisonPolicy,
  SubscriptionFailurePolicy,
  SubscriptionFailurePolicyInput,
} from "./types.ts";

const backoffToWire: Record<BackoffStrategy, admin.SubscriptionBackoffStrategy> = {
  Fixed: admin.SubscriptionBackoffStrategy.Fixed,
  Exponential: admin.SubscriptionBackoffStrategy.Exponential,
};

const poisonToWire: Record<PoisonPolicy, admin.SubscriptionPoisonPolicy> = {
  DeadLetter: admin.SubscriptionPoisonPolicy.DeadLetter,
  Block: admin.SubscriptionPoisonPolicy.Block,
  Drop: admin.SubscriptionPoisonPolicy.Drop,
};

function reverse<K extends string>(table: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
}

const backoffFromWire = reverse(backoffToWire);
const poisonFromWire = reverse(poisonToWire);

/** The wire value of a dispatch strategy, validated. */
export function dispatchToAdminWire(value: DispatchStrategy): admin.DispatchStrategy {
  if (!allowedDispatchStrategies.includes(value)) {
    throw invalidArgument(
      "dispatchStrategy",
      `must be one of ${allowedDispatchStrategies.join(", ")}, got ${String(value)}`,
    );
  }
  return value === "Reliable" ? admin.DispatchStrategy.Reliable : admin.DispatchStrategy.NonReliable;
}

/** `TopicInfo.delivery` / `DescribeTopicResponse.delivery` as a dispatch strategy. */
export function dispatchFromDelivery(delivery: string): DispatchStrategy {
  return delivery === "Reliable" ? "Reliable" : "NonReliable";
}

/** The subscription type stored on the broker (the wire numbering of danube.SubscriptionType). */
export function subscriptionTypeFromWire(value: number): SubscriptionType | undefined {
  return allowedSubscriptionTypes[value];
}

function toUint64(value: unknown, option: string): bigint {
  if (typeof value === "bigint" && value >= 0n && value < 2n ** 64n) return value;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw invalidArgument(option, `must be a non-negative integer, got ${String(value)}`);
}

/** Validates a failure policy and converts it to the wire message. */
export function failurePolicyToWire(policy: SubscriptionFailurePolicyInput): admin.SubscriptionFailurePolicy {
  if (typeof policy !== "object" || policy === null) throw invalidArgument("policy", "is required");
  const count = policy.maxRedeliveryCount;
  if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) {
    throw invalidArgument(
      "policy.maxRedeliveryCount",
      `must be a non-negative integer, got ${String(count)}`,
    );
  }
  const backoff = backoffToWire[policy.backoffStrategy];
  if (backoff === undefined) {
    throw invalidArgument(
      "policy.backoffStrategy",
      `must be Fixed or Exponential, got ${String(policy.backoffStrategy)}`,
    );
  }
  const poison = poisonToWire[policy.poisonPolicy];
  if (poison === undefined) {
    throw invalidArgument(
      "policy.poisonPolicy",
      `must be DeadLetter, Block or Drop, got ${String(policy.poisonPolicy)}`,
    );
  }
  if (policy.poisonPolicy === "DeadLetter" && !policy.deadLetterTopic) {
    throw invalidArgument("policy.deadLetterTopic", "is required with poisonPolicy DeadLetter");
  }
  return {
    maxRedeliveryCount: count,
    ackTimeoutMs: toUint64(policy.ackTimeoutMs, "policy.ackTimeoutMs"),
    baseRedeliveryDelayMs: toUint64(policy.baseRedeliveryDelayMs, "policy.baseRedeliveryDelayMs"),
    maxRedeliveryDelayMs: toUint64(policy.maxRedeliveryDelayMs, "policy.maxRedeliveryDelayMs"),
    backoffStrategy: backoff,
    deadLetterTopic: policy.deadLetterTopic,
    poisonPolicy: poison,
  };
}

/** A wire failure policy as the public type. */
export function failurePolicyFromWire(policy: admin.SubscriptionFailurePolicy): SubscriptionFailurePolicy {
  return {
    maxRedeliveryCount: policy.maxRedeliveryCount,
    ackTimeoutMs: policy.ackTimeoutMs,
    baseRedeliveryDelayMs: policy.baseRedeliveryDelayMs,
    maxRedeliveryDelayMs: policy.maxRedeliveryDelayMs,
    backoffStrategy: backoffFromWire.get(policy.backoffStrategy) ?? "Exponential",
    deadLetterTopic: policy.deadLetterTopic,
    poisonPolicy: poisonFromWire.get(policy.poisonPolicy) ?? "Block",
  };
}
