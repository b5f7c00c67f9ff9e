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

  private inserts = 0;

  constructor(
    private readonly store: MetadataStore,
    /** Whether the subscription currently exists; an owner of a vanished subscription is stale. */
    private readonly subscriptionExists: (topic: string, subscription: string) => boolean,
    private readonly topicExists: (topic: string) => boolean,
  ) {
    for (const [key, owner] of store.list<Principal>(OWNERS)) {
      const [topic, subscription] = JSON.parse(key.slice(OWNERS.length)) as [string, string];
      // Owners of subscriptions that are gone (deleted, expired) are dropped at start.
      if (subscriptionExists(topic, subscription)) {
        this.owners.set(`${topic}\n${subscription}`, { type: owner.type, name: owner.name });
      } else {
        store.delete(key).catch(() => {}); // best effort; a stale owner is ignored anyway
      }
    }
  }

  /** Every 1000 new producers/consumers, forgets those whose topic or subscription is gone. */
  private prune(): void {
    if (++this.inserts % 1000 !== 0) return;
    for (const [id, p] of this.producers) {
      if (!this.topicExists(p.topic)) this.producers.delete(id);
    }
    for (const key of this.producerNames.keys()) {
      if (!this.topicExists(key.slice(0, key.indexOf("\n")))) this.producerNames.delete(key);
    }
    for (const [id, c] of this.consumers) {
      if (!this.subscriptionExists(c.topic, c.subscription)) this.consumers.delete(id);
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

  producerCreated(
    principal: Principal,
    privileged: boolean,
    producerId: bigint,
    topic: string,
    producerName: string,
  ): void {
    const existing = this.producers.get(producerId);
    if (existing) {
      // The broker handed out an existing producer (same name); racing creators both pass the
      // first check, so look again.
      if (!privileged && !same(existing.principal, principal)) {
        throw denied(`producer ${producerName} on ${topic} belongs to another principal`);
      }
      return;
    }
    this.prune();
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

  /**
   * Records the consumer, and the subscription's owner unless it already has a live one. Checks
   * ownership again: two principals racing to create one subscription both pass the first check.
   */
  async subscribed(
    principal: Principal,
    privileged: boolean,
    consumerId: bigint,
    topic: string,
    subscription: string,
  ) {
    if (!privileged) this.checkSubscription(principal, topic, subscription);
    if (!this.consumers.has(consumerId)) this.prune();
    this.consumers.set(consumerId, { topic, subscription, principal });
    if (this.owner(topic, subscription)) return;
    this.owners.set(`${topic}\n${subscription}`, principal);
    await this.store.put(ownerKey(topic, subscription), { type: principal.type, name: principal.name });
  }
}
