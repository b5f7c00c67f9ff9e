// The public consumer: subscribes every partition and merges their streams into one bounded queue.
import { toDanubeError } from "../errors/status-map.ts";
import { DanubeError, ErrorCode } from "../errors.ts";
import { topicPartitions } from "../lookup.ts";
import type { ResolvedSubscribeOptions } from "../options.ts";
import { withRetry } from "../retry.ts";
import type { ClientRuntime } from "../runtime.ts";
import type { CallContext } from "../signals.ts";
import { AsyncQueue } from "./async-queue.ts";
import type { Message } from "./message.ts";
import { TopicConsumer } from "./topic-consumer.ts";

/** A consumer created by `client.subscribe()`; iterate it with `for await`. */
export interface Consumer extends AsyncIterable<Message>, AsyncDisposable {
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
   * when the consumer closes.
   */
  [Symbol.asyncIterator](): AsyncIterator<Message, undefined>;
  /** Stops receiving; ends `for await` loops; later ack/nack fail with CLOSED. */
  close(): Promise<void>;
}

class ConsumerImpl implements Consumer {
  readonly topic: string;
  readonly topics: readonly string[];
  readonly subscription: string;
  readonly consumerName: string;
  readonly #consumers: readonly TopicConsumer[];
  readonly #queue: AsyncQueue<Message>;
  readonly #onClose: (consumer: Consumer) => void;
  #reading = false;
  #closed = false;

  constructor(
    options: ResolvedSubscribeOptions,
    consumers: TopicConsumer[],
    onClose: (consumer: Consumer) => void,
  ) {
    this.topic = options.topic;
    this.subscription = options.subscription;
    this.consumerName = options.consumerName;
    this.#consumers = consumers;
    this.topics = consumers.map((c) => c.topic);
    this.#queue = new AsyncQueue<Message>(options.receiveQueueSize);
    this.#onClose = onClose;
    for (const consumer of consumers) consumer.startReceiving(this.#queue);
  }

  get closed(): boolean {
    return this.#closed;
  }

  [Symbol.asyncIterator](): AsyncIterator<Message, undefined> {
    if (this.#reading) {
      throw new DanubeError(ErrorCode.FAILED_PRECONDITION, "consumer is already being iterated");
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
    return {
      next: async () => {
        if (released) return { value: undefined, done: true };
        const result = await this.#queue.next();
        return result.done ? release() : result;
      },
      return: async () => release(),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.close();
    await Promise.all(this.#consumers.map((c) => c.close()));
    this.#onClose(this);
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
  onClose: (consumer: Consumer) => void,
): Promise<Consumer> {
  const found = await withRetry(ctx, runtime.options.retry, () =>
    topicPartitions(runtime, options.topic, ctx),
  );
  // The broker matches by prefix (`/ns/foo` also finds `/ns/foobar`): keep the topic and its partitions.
  const partitionName = new RegExp(`^${escapeRegExp(options.topic)}-part-\\d+$`);
  const partitions = found
    .filter((name) => name === options.topic || partitionName.test(name))
    .sort((a, b) => partitionIndex(a) - partitionIndex(b));
  if (partitions.length === 0) {
    throw new DanubeError(ErrorCode.NOT_FOUND, `subscribe: no topic found for '${options.topic}'`);
  }
  const consumers = partitions.map((topic) => new TopicConsumer(runtime, topic, options));
  const results = await Promise.allSettled(consumers.map((c) => c.subscribe(ctx)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(consumers.map((c) => c.close()));
    throw toDanubeError(failed.reason, ctx.operation);
  }
  return new ConsumerImpl(options, consumers, onClose);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function partitionIndex(name: string): number {
  const match = /-part-(\d+)$/.exec(name);
  return match ? Number(match[1]) : -1;
}
