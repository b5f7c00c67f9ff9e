import { newTopicStats } from "../metrics/stats.ts";
import type { TopicLog } from "../storage/index.ts";
import type { ProducerSequencer } from "./producer-sequencer.ts";
import { storedEncoding } from "./received-bytes.ts";
import type { Subscription } from "./subscription.ts";
import { DispatchStrategy, type StreamMessage } from "./types.ts";

export interface ProducerInfo {
  id: bigint;
  name: string;
  topicName: string;
  accessMode: number;
  /** Last create, send or health check (ms since epoch). */
  lastSeen: number;
  /** Orders the sends of a client that asked for it (created on its first sequenced send). */
  sequencer?: ProducerSequencer;
}

/**
 * One topic (or one partition of a partitioned topic): its producers, its subscriptions and, for
 * reliable topics, its durable log.
 */
export class Topic {
  readonly producers = new Map<bigint, ProducerInfo>();
  readonly subscriptions = new Map<string, Subscription>();
  /** Set when the topic is being deleted; creators that awaited meanwhile must not attach to it. */
  deleted = false;
  /** Counters read by the metrics exporter. */
  readonly stats = newTopicStats();

  constructor(
    readonly name: string,
    readonly dispatchStrategy: DispatchStrategy,
    readonly log: TopicLog | undefined,
  ) {}

  get reliable(): boolean {
    return this.dispatchStrategy === DispatchStrategy.Reliable;
  }

  producerByName(name: string): ProducerInfo | undefined {
    for (const producer of this.producers.values()) if (producer.name === name) return producer;
    return undefined;
  }

  /**
   * Reliable: resolves once the message is durable in the log (subscriptions read it from there).
   * Non-reliable: hands the message to every subscription's dispatcher right away.
   *
   * The offset is assigned before this returns. Every message of one group commit gets the same
   * promise (its rejection is the log's error, shared too), so callers can answer per batch.
   */
  publish(message: StreamMessage): Promise<void> {
    if (this.log) {
      // Stored as received (no re-encoding) when the transport kept the request's bytes.
      const durable = this.log.appendDurable(storedEncoding(message));
      let counted = this.#counted;
      if (counted?.durable !== durable) {
        counted = { durable, stored: durable, messages: 0, bytes: 0 };
        const batch = counted;
        counted.stored = durable.then(() => {
          this.stats.messagesIn += batch.messages;
          this.stats.bytesIn += batch.bytes;
        });
        this.#counted = counted;
      }
      counted.messages++;
      counted.bytes += message.payload.length;
      return counted.stored;
    }
    this.stats.messagesIn++;
    this.stats.bytesIn += message.payload.length;
    for (const subscription of this.subscriptions.values()) subscription.dispatcher.dispatch?.(message);
    return Promise.resolve();
  }

  /** The log batch the latest messages joined: counted in `stats` once it is durable. */
  #counted: { durable: Promise<void>; stored: Promise<void>; messages: number; bytes: number } | undefined;
}
