import { newSubscriptionStats, type WindowSnapshot } from "../metrics/stats.ts";
import type { ConsumerHandle } from "./consumer.ts";
import { globMatch } from "./glob.ts";
import { KeyRing } from "./key-ring.ts";
import { type FailurePolicy, type StreamMessage, SubscriptionType } from "./types.ts";

/** Receives the events a subscription's dispatcher reacts to. */
export interface Dispatcher {
  /** New messages may be available, or consumers changed: try to deliver. */
  wake(): void;
  consumerInactive(consumer: ConsumerHandle): void;
  ack(offset: bigint): void;
  nack(offset: bigint, delayMs: number | undefined, reason: string | undefined): void;
  /** Non-reliable topics push each published message straight through. */
  dispatch?(message: StreamMessage): void;
  /** Reliable subscriptions apply admin changes live. */
  setPolicy?(policy: FailurePolicy): void;
  setMaxUnacked?(maxUnacked: number): void;
  close(): Promise<void>;
  /** Reliable subscriptions: the window's state, for metrics and admin answers. */
  snapshot?(): WindowSnapshot;
}

/** `skip`: no consumer of this subscription accepts the message's key (Key-Shared filters). */
export type Route = ConsumerHandle | "skip" | undefined;

/** The key Key-Shared routes by: the routing key, else the producer name (as upstream). */
export const routingKeyOf = (message: StreamMessage): string => message.routingKey ?? message.producerName;

/**
 * A named subscription on one topic: its type (fixed by the first consumer), its consumers in
 * attach order, and the dispatcher that decides who gets which message.
 */
export class Subscription {
  readonly consumers: ConsumerHandle[] = [];
  dispatcher!: Dispatcher;
  /** Settles once the subscription is durable (reliable topics); rejects if that failed. */
  ready: Promise<void> = Promise.resolve();
  /** Set while no consumer is active (for idle clean-up of non-reliable subscriptions). */
  idleSince: number | undefined = Date.now();
  /** Counters read by the metrics exporter. */
  readonly stats = newSubscriptionStats();
  private roundRobin = 0;
  private ring: { members: string; ring: KeyRing } | undefined;

  constructor(
    readonly topicName: string,
    readonly name: string,
    readonly type: SubscriptionType,
  ) {}

  activeConsumers(): ConsumerHandle[] {
    return this.consumers.filter((c) => c.active);
  }

  hasActiveConsumer(): boolean {
    return this.consumers.some((c) => c.active);
  }

  findByName(name: string): ConsumerHandle | undefined {
    return this.consumers.find((c) => c.name === name);
  }

  remove(consumer: ConsumerHandle): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
  }

  /** Keeps `idleSince` in step with consumer activity. */
  noteActivity(): void {
    if (this.hasActiveConsumer()) this.idleSince = undefined;
    else this.idleSince ??= Date.now();
  }

  /** Who should get `message` now: a consumer, `skip` (nobody wants its key), or undefined (nobody can take it yet). */
  route(message: StreamMessage): Route {
    // Called once per delivery: Exclusive, Failover and Shared pick without building arrays.
    switch (this.type) {
      case SubscriptionType.Shared: {
        let active = 0;
        for (const c of this.consumers) if (c.active) active++;
        if (active === 0) return undefined;
        let skip = this.roundRobin % active;
        this.roundRobin = (this.roundRobin + 1) % Number.MAX_SAFE_INTEGER;
        for (const c of this.consumers) if (c.active && skip-- === 0) return c;
        return undefined;
      }
      case SubscriptionType.KeyShared: {
        const active = this.activeConsumers();
        if (active.length === 0) return this.noConsumerWants(message) ? "skip" : undefined;
        return this.routeByKey(routingKeyOf(message), active);
      }
      default: {
        // Exclusive has one consumer; Failover: the first attached active consumer with a stream
        // (one that subscribed and never opened a stream must not hold everything), so when it
        // goes away the next standby takes over from the unacknowledged position.
        let first: ConsumerHandle | undefined;
        for (const c of this.consumers) {
          if (!c.active) continue;
          if (c.hasStream) return c;
          first ??= c;
        }
        return first;
      }
    }
  }

  private noConsumerWants(message: StreamMessage): boolean {
    if (this.consumers.length === 0) return false;
    const accepts = keyMatcher(routingKeyOf(message));
    return this.consumers.every((c) => c.keyFilters.length > 0 && !accepts(c));
  }

  private routeByKey(key: string, active: ConsumerHandle[]): Route {
    const accepts = keyMatcher(key);
    const eligible = active.filter(accepts);
    if (eligible.length === 0) {
      // An inactive consumer whose filters match may come back: wait for it instead of skipping.
      const someoneElse = this.consumers.some((c) => !c.active && accepts(c));
      return someoneElse ? undefined : "skip";
    }
    if (eligible.length === 1) return eligible[0];
    const members = active.map((c) => String(c.id)).join(",");
    if (this.ring?.members !== members) this.ring = { members, ring: new KeyRing(active) };
    return this.ring.ring.lookup(key, eligible.length === active.length ? undefined : new Set(eligible));
  }
}

/** Whether a consumer's key filters accept `key` (no filters: everything); the key is encoded once. */
function keyMatcher(key: string): (consumer: ConsumerHandle) => boolean {
  let bytes: Buffer | undefined;
  return (consumer) => {
    if (consumer.keyFilters.length === 0) return true;
    bytes ??= Buffer.from(key, "utf8");
    const encoded = bytes;
    return consumer.keyFilters.some((filter) => globMatch(filter, encoded));
  };
}
