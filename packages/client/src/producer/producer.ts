// The public producer: one topic producer, or one per partition behind a router.

import { toDanubeError } from "../errors/status-map.ts";
import { closedError, invalidArgument } from "../errors.ts";
import { type ResolvedProducerOptions, type SendOptions, validateSendOptions } from "../options.ts";
import type { ClientRuntime } from "../runtime.ts";
import { type CallContext, createCallContext } from "../signals.ts";
import { createRouter, type PartitionRouter } from "./router.ts";
import { type SendReceipt, TopicProducer } from "./topic-producer.ts";

/** A producer created by `client.createProducer()`. */
export interface Producer extends AsyncDisposable {
  /** The topic as given (the base name for a partitioned producer). */
  readonly topic: string;
  /** The producer name as given. */
  readonly name: string;
  /** The topics it publishes to: `[topic]`, or `<topic>-part-<i>` for each partition. */
  readonly partitions: readonly string[];
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Publishes one message (strings are sent as UTF-8). With `key`, the partition is chosen
   * by FNV-1a 64 of the key, else round robin.
   */
  send(payload: Uint8Array | string, options?: SendOptions): Promise<SendReceipt>;
  /** Stops the producer; later sends fail with CLOSED, in-flight ones with CANCELLED. */
  close(): Promise<void>;
}

const utf8 = new TextEncoder();

/** Partition topic name `<topic>-part-<index>`. */
export function partitionTopicName(topic: string, index: number): string {
  return `${topic}-part-${index}`;
}

class ProducerImpl implements Producer {
  readonly topic: string;
  readonly name: string;
  readonly partitions: readonly string[];
  readonly #runtime: ClientRuntime;
  readonly #producers: readonly TopicProducer[];
  readonly #router: PartitionRouter;
  readonly #closing = new AbortController();
  readonly #onClose: (producer: Producer) => void;

  constructor(
    runtime: ClientRuntime,
    options: ResolvedProducerOptions,
    producers: TopicProducer[],
    onClose: (producer: Producer) => void,
  ) {
    this.#runtime = runtime;
    this.topic = options.topic;
    this.name = options.name;
    this.#producers = producers;
    this.partitions = producers.map((p) => p.topic);
    this.#router = createRouter(producers.length);
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  async send(payload: Uint8Array | string, options?: SendOptions): Promise<SendReceipt> {
    if (this.closed) throw closedError(`producer ${this.name}`);
    validateSendOptions(options);
    let bytes: Uint8Array;
    if (typeof payload === "string") bytes = utf8.encode(payload);
    else if (payload instanceof Uint8Array) bytes = payload;
    else throw invalidArgument("payload", "must be a Uint8Array or a string");
    const ctx = createCallContext(
      "send",
      options,
      this.#runtime.options.requestTimeoutMs,
      this.#closing.signal,
    );
    const key = options?.key;
    const target = this.#producers[this.#router.next(key)]!;
    return target.send({ payload: bytes, attributes: { ...options?.attributes }, key }, ctx);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.#closing.abort();
    for (const producer of this.#producers) producer.close();
    this.#onClose(this);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates every topic producer (concurrently); on any failure closes those created and throws. */
export async function createProducer(
  runtime: ClientRuntime,
  options: ResolvedProducerOptions,
  ctx: CallContext,
  onClose: (producer: Producer) => void,
): Promise<Producer> {
  const topics =
    options.partitions === undefined
      ? [{ topic: options.topic, name: options.name }]
      : Array.from({ length: options.partitions }, (_, i) => ({
          topic: partitionTopicName(options.topic, i),
          name: `${options.name}-${i}`,
        }));
  const producers = topics.map((t) => new TopicProducer(runtime, t.topic, t.name, options.dispatchStrategy));
  const results = await Promise.allSettled(producers.map((p) => p.create(ctx)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) {
    for (const p of producers) p.close();
    throw toDanubeError(failed.reason, ctx.operation);
  }
  return new ProducerImpl(runtime, options, producers, onClose);
}
