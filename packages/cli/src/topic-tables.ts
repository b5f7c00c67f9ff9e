// Text and JSON views of what the admin API returns, with upstream danube-admin's JSON keys.
import type { FailurePolicyInfo, TopicDescription, TopicInfo } from "@danube-ts/client";

export const deliveryName = (strategy: string) => (strategy === "Reliable" ? "Reliable" : "NonReliable");

export function topicInfoJson(t: TopicInfo) {
  return { name: t.name, broker_id: t.brokerId, delivery: deliveryName(t.dispatchStrategy) };
}

export function describeJson(d: TopicDescription) {
  return {
    topic: d.name,
    broker_id: d.brokerId,
    delivery: deliveryName(d.dispatchStrategy),
    schema_subject: d.schemaSubject ?? null,
    schema_id: d.schemaId ?? null,
    schema_version: d.schemaVersion ?? null,
    schema_type: d.schemaType ?? null,
    compatibility_mode: d.compatibilityMode ?? null,
    subscriptions: d.subscriptions,
  };
}

export function describeText(d: TopicDescription): string[] {
  const lines = [`topic: ${d.name}`, `delivery: ${deliveryName(d.dispatchStrategy)}`];
  if (d.brokerId !== "") lines.push(`broker id: ${d.brokerId}`);
  if (d.schemaSubject === undefined) lines.push("schema: none");
  else {
    lines.push(`schema subject: ${d.schemaSubject}`);
    if (d.schemaId !== undefined) lines.push(`schema id: ${d.schemaId}`);
    if (d.schemaVersion !== undefined) lines.push(`schema version: ${d.schemaVersion}`);
    if (d.schemaType !== undefined) lines.push(`schema type: ${d.schemaType}`);
    if (d.compatibilityMode !== undefined) lines.push(`compatibility: ${d.compatibilityMode}`);
  }
  lines.push(`subscriptions: ${d.subscriptions.length === 0 ? "none" : d.subscriptions.join(", ")}`);
  return lines;
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function failurePolicyJson(topic: string, subscription: string, info: FailurePolicyInfo) {
  const p = info.policy;
  return {
    topic,
    subscription,
    subscription_type: info.subscriptionType ?? null,
    ...(p === undefined
      ? { failure_policy: null }
      : {
          max_redelivery_count: p.maxRedeliveryCount,
          ack_timeout_ms: p.ackTimeoutMs,
          base_redelivery_delay_ms: p.baseRedeliveryDelayMs,
          max_redelivery_delay_ms: p.maxRedeliveryDelayMs,
          backoff_strategy: snake(p.backoffStrategy).replace(/^_/, ""),
          dead_letter_topic: p.deadLetterTopic ?? null,
          poison_policy: snake(p.poisonPolicy).replace(/^_/, ""),
        }),
  };
}

/** `key: value` lines of a flat object. */
export function keyValueLines(value: Record<string, unknown>): string[] {
  return Object.entries(value).map(([k, v]) => `${k}: ${v === null || v === undefined ? "-" : String(v)}`);
}
