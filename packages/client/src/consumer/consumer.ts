// The public consumer: subscribes every partition and merges their streams into one bounded queue.

import { type CallContext, createCallContext, throwIfStopped, watchStop } from "../call-context.ts";
import { observeReceive } from "../diagnostics/hooks.ts";
import { toDanubeError } from "../errors/status-map.ts";
import { closedError, DanubeError, ErrorCode } from "../errors.ts";
import { topicPartitions } from "../lookup.ts";
import {
  type CallOptions,
  type ReceiveOptions,
  type ResolvedSubscribeOptions,
  validateCallOptions,
} from "../options.ts";
import { withRetry } from "../retry.ts";
import type { ClientRuntime } from "../runtime.ts";
import { createSchemaDecoder } from "../schema/decoder.ts";
import type { ClientStatus } from "../status.ts";
import { AsyncQueue } from "./async-queue.ts";
import type { Message, MessageImpl } from "./message.ts";
import { TopicConsumer } from "./topic-consumer.ts";

/**
 * A consumer created by `client.subscribe()`; iterate it with `for await`. `T` is the type of
 * `message.value` (the serde's value type, or the raw payload).
 */
export interface Consumer<T = Uint8Array> extends AsyncIterable<Message<T>>, AsyncDisposable {
  /** The topic as given. */
  readonly topic: string;
  /** The (partition) topics it is subscribed to. */
  readonly topics: readonly string[];
  readonly subscription: string;
  readonly consumerName: string;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Messages from every partition. One reader at a time; `break` releases it. Ends (done)
   * when the consumer closes. Keeps going across broker restarts (the consumer subscribes
   * again by itself).
   */
  [Symbol.asyncIterator](): AsyncIterator<Message<T>, undefined>;
  /**
   * The next message. Rejects with DEADLINE_EXCEEDED after `timeoutMs`, CANCELLED when
   * `signal` aborts, CLOSED when the consumer closes (once `close()` has finished, so a caller
   * awaiting `close()` first still handles it in time); a message is never lost to a timeout.
   * Not allowed while a `for await` loop is reading (FAILED_PRECONDITION).
   */
  receive(options?: ReceiveOptions): Promise<Message<T>>;
  /**
   * Stops receiving; ends `for await` loops; later ack/nack fail with CLOSED. Acks and nacks
   * already in flight finish first (each within its own timeout), and a receive stream the broker
   * has not answered yet (just opened) is ended only once it has (within requestTimeoutMs), so
   * the broker does not keep the consumer active; likewise a Subscribe sent to subscribe again
   * (after a broker restart) is answered first and that consumer ended on the broker. Every call
   * returns the same promise.
   */
  close(): Promise<void>;
  /**
   * Closes the consumer, then deletes the subscription on the broker (admin
   * TopicAdmin.Unsubscribe, on every partition). Needs the client option `adminUrl`: without
   * it, fails with FAILED_PRECONDITION before closing anything.
   */
  unsubscribe(options?: CallOptions): Promise<void>;
  /** Reconnect and error events of this consumer's partitions; ends after `closed`. */
  status(): AsyncIterable<ClientStatus>;
}

const noop = (): void => {};

class ConsumerImpl implements Consumer<unknown> {
  readonly topic: string;
  readonly topics: readonly string[];
  readonly subscription: string;
  readonly consumerName: string;
  readonly #runtime: ClientRuntime;
  readonly #consumers: readonly TopicConsumer[];
  readonly #queue: AsyncQueue<Message<unknown>>;
  readonly #onClose: (consumer: Consumer<unknown>) => void;
  readonly #owner: object;
  #reading = false;
  #receiving = 0;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(
    runtime: ClientRuntime,
    options: ResolvedSubscribeOptions,
    consumers: TopicConsumer[],
    owner: object,
    onClose: (consumer: Consumer<unknown>) => void,
  ) {
    this.#runtime = runtime;
    this.#owner = owner;
    this.topic = options.topic;
    this.subscription = options.subscription;
    this.consumerName = options.consumerName;
    this.#consumers = consumers;
    this.topics = consumers.map((c) => c.topic);
    // A message taken by the application gives its byte credit back to the stream it came on.
    this.#queue = new AsyncQueue<Message<unknown>>(options.receiveQueueSize, (m) =>
      (m as MessageImpl).taken(),
    );
    this.#onClose = onClose;
    for (const consumer of consumers) consumer.startReceiving(this.#queue);
  }

  get closed(): boolean {
    return this.#closed;
  }

  [Symbol.asyncIterator](): AsyncIterator<Message<unknown>, undefined> {
    if (this.#reading) {
      throw new DanubeError(ErrorCode.FAILED_PRECONDITION, "consumer is already being iterated");
    }
    if (this.#receiving > 0) {
      throw new DanubeError(ErrorCode.FAILED_PRECONDITION, "consumer has receive() calls pending");
    }
    this.#reading = true;
    let released = false;
    const release = (): IteratorReturnResult<undefined> => {
      if (!released) {
        released = true;
        this.#reading = false;
      }
      return { value: undefined, done: true };
    };
    const settle = (result: IteratorResult<Message<unknown>, undefined>) =>
      result.done ? release() : result;
    return {
      next: () => {
        if (released) return Promise.resolve({ value: undefined, done: true });
        return observeReceive(this.#runtime.observe, this, () => this.#queue.next()).then(settle);
      },
      return: async () => release(),
    };
  }

  async receive(options?: ReceiveOptions): Promise<Message<unknown>> {
    if (this.#closed) throw closedError("consumer");
    if (this.#reading) {
      throw new DanubeError(ErrorCode.FAILED_PRECONDITION, "consumer is being read by a for-await loop");
    }
    validateCallOptions(options);
    const ctx: CallContext = {
      operation: "receive",
      signal: options?.signal,
      closeSignal: undefined,
      deadline: options?.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs,
    };
    throwIfStopped(ctx);
    this.#receiving++;
    try {
      const take = () => this.#queue.take((stop) => watchStop(ctx, stop));
      const result = await observeReceive(this.#runtime.observe, this, take);
      if (result.done) {
        // Closed: reject only once close() has finished (it may wait for the broker), so that
        // an application awaiting close() before handling this promise never sees it unhandled.
        await this.#closing?.then(noop, noop);
        throw closedError("consumer");
      }
      return result.value;
    } finally {
      this.#receiving--;
    }
  }

  /** Later calls return the first call's promise, so every caller waits for the whole close. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#runtime.observe.consumerClosed(this, this.#queue.size);
    this.#queue.close();
    await Promise.all(this.#consumers.map((c) => c.close()));
    this.#runtime.status.emit(
      { type: "closed", source: "consumer", topic: this.topic, name: this.consumerName },
      [this.#owner],
    );
    this.#runtime.status.end(this.#owner);
    this.#onClose(this);
  }

  async unsubscribe(options?: CallOptions): Promise<void> {
    validateCallOptions(options);
    if (this.#runtime.options.adminUrl === undefined) {
      throw new DanubeError(
        ErrorCode.FAILED_PRECONDITION,
        "unsubscribe needs the broker's admin address: set the client option adminUrl",
      );
    }
    const ctx = createCallContext("unsubscribe", options, this.#runtime.options.requestTimeoutMs, undefined);
    const admin = this.#runtime.admin();
    await this.close();
    for (const topic of this.topics) {
      await unsubscribeWhenDetached(
        () => admin.unsubscribe({ topic, subscription: this.subscription }, options),
        ctx,
      );
    }
  }

  status(): AsyncIterable<ClientStatus> {
    return this.#runtime.status.iterate(this.#owner);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Discovers the partitions of `options.topic`, subscribes each (concurrently) and starts receiving. */
export async function subscribe(
  runtime: ClientRuntime,
  options: ResolvedSubscribeOptions,
  ctx: CallContext,
  onClose: (consumer: Consumer<unknown>) => void,
): Promise<Consumer<unknown>> {
  const found = await withRetry(
    ctx,
    runtime.options.retry,
    () => topicPartitions(runtime, options.topic, ctx),
    {
      onRetry: runtime.observe.retry,
    },
  );
  // The broker matches by prefix (`/ns/foo` also finds `/ns/foobar`): keep the topic and its partitions.
  const partitionName = new RegExp(`^${escapeRegExp(options.topic)}-part-\\d+$`);
  const partitions = found
    .filter((name) => name === options.topic || partitionName.test(name))
    .sort((a, b) => partitionIndex(a) - partitionIndex(b));
  if (partitions.length === 0) {
    throw new DanubeError(ErrorCode.NOT_FOUND, `subscribe: no topic found for '${options.topic}'`);
  }
  const owner = {};
  const emit = (status: ClientStatus) => runtime.status.emit(status, [owner]);
  const decoder =
    options.serde === undefined ? undefined : createSchemaDecoder(runtime.schema(), options.serde);
  const consumers = partitions.map((topic) => new TopicConsumer(runtime, topic, options, emit, decoder));
  const results = await Promise.allSettled(consumers.map((c) => c.subscribe(ctx)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) {
    // Closing ends on the broker the consumers it already holds (the other partitions', or one
    // whose Subscribe was answered after `ctx` stopped).
    await Promise.all(consumers.map((c) => c.close()));
    throw toDanubeError(failed.reason, ctx.operation);
  }
  return new ConsumerImpl(runtime, options, consumers, owner, onClose);
}

/**
 * Runs an admin Unsubscribe, retrying while the broker still counts our just-closed stream as
 * an active consumer (the stream's cancellation travels on the client connection, the admin
 * call on another one, so the admin call can arrive first).
 */
async function unsubscribeWhenDetached(call: () => Promise<void>, ctx: CallContext): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return;
    } catch (thrown) {
      const error = toDanubeError(thrown, ctx.operation);
      const stillActive = /active consumer/i.test(error.message);
      if (!stillActive || attempt >= 20 || Date.now() + 50 >= ctx.deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function partitionIndex(name: string): number {
  const match = /-part-(\d+)$/.exec(name);
  return match ? Number(match[1]) : -1;
}
