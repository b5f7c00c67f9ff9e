import type { MetadataStore } from "../storage/index.ts";
import { defaultFailurePolicy, type FailurePolicy } from "./types.ts";

/**
 * Per-subscription settings set through the admin API, stored apart from the subscription so
 * they can be set before the subscription exists (as upstream allows).
 */
export class SubscriptionSettings {
  constructor(private readonly store: MetadataStore) {}

  policy(topic: string, subscription: string): FailurePolicy | undefined {
    return this.store.get<FailurePolicy>(policyKey(topic, subscription));
  }

  effectivePolicy(topic: string, subscription: string): FailurePolicy {
    return this.policy(topic, subscription) ?? defaultFailurePolicy;
  }

  setPolicy(topic: string, subscription: string, policy: FailurePolicy): Promise<void> {
    return this.store.put(policyKey(topic, subscription), policy);
  }

  maxUnacked(topic: string, subscription: string): number | undefined {
    return this.store.get<{ maxUnackedMessages: number }>(dispatchKey(topic, subscription))
      ?.maxUnackedMessages;
  }

  setMaxUnacked(topic: string, subscription: string, maxUnackedMessages: number): Promise<void> {
    return this.store.put(dispatchKey(topic, subscription), { maxUnackedMessages });
  }

  /** Drops the settings of one subscription, or of every subscription of `topic`. */
  async forget(topic: string, subscription?: string): Promise<void> {
    if (subscription === undefined) {
      await Promise.all([
        this.store.deletePrefix(`policies/${topic}/`),
        this.store.deletePrefix(`dispatch/${topic}/`),
      ]);
    } else {
      await Promise.all([
        this.store.delete(policyKey(topic, subscription)),
        this.store.delete(dispatchKey(topic, subscription)),
      ]);
    }
  }
}

const policyKey = (topic: string, subscription: string) => `policies/${topic}/${subscription}`;
const dispatchKey = (topic: string, subscription: string) => `dispatch/${topic}/${subscription}`;
