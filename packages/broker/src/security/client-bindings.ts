// Hardening over upstream: producers, consumers and subscriptions belong to the principal that
// created them. Another principal (super admins excepted) cannot send on someone's producer,
// take over a consumer or subscription, or ack/nack its messages.
import { BrokerError, Status } from "../errors.ts";
import type { MetadataStore } from "../storage/metadata-store.ts";
import type { Principal } from "./authenticate.ts";

const OWNERS = "auth/owners/";
const ownerKey = (topic: string, subscription: string) => `${OWNERS}${JSON.stringify([topic, subscription])}`;
const same = (a: Principal, b: Principal) => a.type === b.type && a.name === b.name;
const denied = (message: string) => new BrokerError(Status.PermissionDenied, message);

interface ConsumerEntry {
  topic: string;
  subscription: string;
  principal: Principal;
}

export class ClientBindings {
  private readonly producers = new Map<bigint, { topic: string; principal: Principal }>();
  /** `${topic}\n${producerName}` -> creator; the broker hands an existing producer's id to a same-name request. */
  private readonly producerNames = new Map<string, Principal>();
  private readonly consumers = new Map<bigint, ConsumerEntry>();
  /** `${topic}\n${subscription}` -> owner; persisted so reliable subscriptions keep it across restarts. */
  private readonly owners = new Map<string, Principal>();

  constructor(
    private readonly store: MetadataStore,
    /** Whether the subscription currently exists; an owner of a vanished subscription is stale. */
    private readonly subscriptionExists: (topic: string, subscription: string) => boolean,
  ) {
    for (const [key, owner] of store.list<Principal>(OWNERS)) {
      const [topic, subscription] = JSON.parse(key.slice(OWNERS.length)) as [string, string];
      this.owners.set(`${topic}\n${subscription}`, { type: owner.type, name: owner.name });
    }
  }

  /** The topic of a producer this broker created, if known. */
  producerTopic(producerId: bigint): string | undefined {
    return this.producers.get(producerId)?.topic;
  }

  consumer(consumerId: bigint): ConsumerEntry | undefined {
    return this.consumers.get(consumerId);
  }

  private owner(topic: string, subscription: string): Principal | undefined {
    const owner = this.owners.get(`${topic}\n${subscription}`);
    return owner && this.subscriptionExists(topic, subscription) ? owner : undefined;
  }

  checkProducer(principal: Principal, producerId: bigint): void {
    const entry = this.producers.get(producerId);
    if (entry && !same(entry.principal, principal)) {
      throw denied(`producer ${producerId} belongs to another principal`);
    }
  }

  checkProducerName(principal: Principal, topic: string, producerName: string): void {
    const owner = this.producerNames.get(`${topic}\n${producerName}`);
    if (owner && !same(owner, principal)) {
      throw denied(`producer ${producerName} on ${topic} belongs to another principal`);
    }
  }

  producerCreated(principal: Principal, producerId: bigint, topic: string, producerName: string): void {
    if (this.producers.has(producerId)) return; // the same producer again (privileged callers reach here too)
    this.producers.set(producerId, { topic, principal });
    this.producerNames.set(`${topic}\n${producerName}`, principal);
  }

  /**
   * Before a Subscribe: forgets the owner of a subscription that no longer exists (so the name can
   * be claimed again), then checks ownership unless `privileged`.
   */
  beforeSubscribe(principal: Principal, topic: string, subscription: string, privileged: boolean): void {
    const key = `${topic}\n${subscription}`;
    if (this.owners.has(key) && !this.subscriptionExists(topic, subscription)) this.owners.delete(key);
    if (!privileged) this.checkSubscription(principal, topic, subscription);
  }

  checkSubscription(principal: Principal, topic: string, subscription: string): void {
    const owner = this.owner(topic, subscription);
    if (owner && !same(owner, principal)) {
      throw denied(`subscription ${subscription} on ${topic} belongs to another principal`);
    }
  }

  checkConsumer(principal: Principal, consumerId: bigint): void {
    const entry = this.consumers.get(consumerId);
    if (entry && !same(entry.principal, principal)) {
      throw denied(`consumer ${consumerId} belongs to another principal`);
    }
  }

  /** Records the consumer, and the subscription's owner unless it already has a live one. */
  async subscribed(principal: Principal, consumerId: bigint, topic: string, subscription: string) {
    this.consumers.set(consumerId, { topic, subscription, principal });
    if (this.owner(topic, subscription)) return;
    this.owners.set(`${topic}\n${subscription}`, principal);
    await this.store.put(ownerKey(topic, subscription), { type: principal.type, name: principal.name });
  }
}
