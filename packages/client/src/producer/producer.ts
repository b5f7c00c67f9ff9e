// The public producer: one topic producer, or one per partition behind a router.

import { type CallContext, createCallContext, waitFor } from "../call-context.ts";
import { sendTraced, traceSend } from "../diagnostics/hooks.ts";
import { cancelledError, toDanubeError } from "../errors/status-map.ts";
import { closedError, invalidArgument } from "../errors.ts";
import {
  type CallOptions,
  type RawPayload,
  type ResolvedProducerOptions,
  type SendOptions,
  validateCallOptions,
  validateSendOptions,
} from "../options.ts";
import type { ClientRuntime } from "../runtime.ts";
import type { ClientStatus } from "../status.ts";
import { createRouter, type PartitionRouter } from "./router.ts";
import { SendGate } from "./send-gate.ts";
import { type SendReceipt, TopicProducer } from "./topic-producer.ts";

/**
 * A producer created by `client.createProducer()`. `T` is what `send()` takes: raw bytes or
 * strings, or the value type of the serde given in the `schema` option.
 */
export interface Producer<T = RawPayload> extends AsyncDisposable {
  /** The topic as given (the base name for a partitioned producer). */
  readonly topic: string;
  /** The producer name as given. */
  readonly name: string;
  /** The topics it publishes to: `[topic]`, or `<topic>-part-<i>` for each partition. */
  readonly partitions: readonly string[];
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Publishes one message (strings are sent as UTF-8; with a schema, the value is validated and
   * encoded by its serde, INVALID_ARGUMENT before any RPC when invalid). With `key`, the partition
   * is chosen by FNV-1a 64 of the key, else round robin. Within a partition the broker stores
   * messages in `send()` order, retries and reconnects included: many sends are in flight at once
   * against a danube-ts broker (it sequences them), one at a time against any other broker
   * unless the producer was created with `allowReorder` (docs/delivery.md, "Ordering").
   * With `maxPendingSends` sends already pending, it waits for room within its own `timeoutMs`
   * and `signal` (order kept), or with `onFull: "fail"` rejects at once with RESOURCE_EXHAUSTED.
   */
  send(payload: T, options?: SendOptions): Promise<SendReceipt>;
  /**
   * Resolves once every send made before the call has settled (resolved or rejected).
   * `timeoutMs` / `signal` bound the wait only (DEADLINE_EXCEEDED / CANCELLED); sends go on.
   */
  flush(options?: CallOptions): Promise<void>;
  /**
   * Refuses new sends (CLOSED), flushes (bounded by `timeoutMs`, default the client's
   * requestTimeoutMs, or `signal`), then cancels what is left (CANCELLED) and stops the
   * health check. Never rejects.
   */
  close(options?: CallOptions): Promise<void>;
  /** Reconnect and error events of this producer's partitions; ends after `closed`. */
  status(): AsyncIterable<ClientStatus>;
}

const utf8 = new TextEncoder();
const settledAnyway = (): void => {};

/** Partition topic name `<topic>-part-<index>`. */
export function partitionTopicName(topic: string, index: number): string {
  return `${topic}-part-${index}`;
}

class ProducerImpl implements Producer<unknown> {
  readonly topic: string;
  readonly name: string;
  readonly partitions: readonly string[];
  readonly #runtime: ClientRuntime;
  readonly #producers: readonly TopicProducer[];
  readonly #router: PartitionRouter;
  readonly #onClose: (producer: Producer<unknown>) => void;
  readonly #schema: ResolvedProducerOptions["schema"];
  readonly #owner: object;
  /** The bound on pending sends (maxPendingSends / onFull). */
  readonly #gate: SendGate<SendReceipt>;
  #closed: Promise<void> | undefined;

  constructor(
    runtime: ClientRuntime,
    options: ResolvedProducerOptions,
    producers: TopicProducer[],
    owner: object,
    onClose: (producer: Producer<unknown>) => void,
  ) {
    this.#runtime = runtime;
    this.#schema = options.schema;
    this.#owner = owner;
    this.topic = options.topic;
    this.name = options.name;
    this.#producers = producers;
    this.partitions = producers.map((p) => p.topic);
    this.#router = createRouter(producers.length);
    this.#onClose = onClose;
    this.#gate = new SendGate(options);
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  async send(payload: unknown, options?: SendOptions): Promise<SendReceipt> {
    if (this.closed) throw closedError(`producer ${this.name}`);
    validateSendOptions(options);
    let bytes: Uint8Array;
    if (this.#schema !== undefined) bytes = this.#schema.encode(payload);
    else if (typeof payload === "string") bytes = utf8.encode(payload);
    else if (payload instanceof Uint8Array) bytes = payload;
    else throw invalidArgument("payload", "must be a Uint8Array or a string");
    const started = performance.now();
    const signal = options?.signal;
    const deadline = Date.now() + (options?.timeoutMs ?? this.#runtime.options.requestTimeoutMs);
    const key = options?.key;
    const attributes = { ...options?.attributes };
    assertMessageSize(bytes, attributes, key, this.#runtime.options.maxMessageBytes);
    const target = this.#producers[this.#router.next(key)]!;
    const message = { payload: bytes, attributes, key };
    const requestId = target.nextRequestId();
    if (!sendTraced()) {
      return this.#gate.run(signal, deadline, () =>
        target.send(message, requestId, signal, deadline, started),
      );
    }
    // The trace starts here, so it covers any wait for room.
    return traceSend(target, requestId, bytes.byteLength, (span) =>
      this.#gate.run(signal, deadline, () =>
        target.send(message, requestId, signal, deadline, started, span),
      ),
    );
  }

  async flush(options?: CallOptions): Promise<void> {
    validateCallOptions(options);
    const ctx = createCallContext("flush", options, this.#runtime.options.requestTimeoutMs, undefined);
    const waiting = this.#gate.waitingResults().map((r) => r.then(settledAnyway, settledAnyway));
    await waitFor(Promise.all([...waiting, ...this.#producers.map((p) => p.flush())]), ctx);
  }

  close(options?: CallOptions): Promise<void> {
    this.#closed ??= this.#close(options);
    return this.#closed;
  }

  async #close(options: CallOptions | undefined): Promise<void> {
    try {
      await this.flush(options);
    } catch (error) {
      // Out of time or aborted: what is left is cancelled below.
      this.#runtime.observe.producerCloseTimeout(this, error);
    }
    const closed = new Error("closed");
    this.#gate.close(() => cancelledError("send", closed));
    for (const producer of this.#producers) producer.close();
    this.#runtime.status.emit({ type: "closed", source: "producer", topic: this.topic, name: this.name }, [
      this.#owner,
    ]);
    this.#runtime.status.end(this.#owner);
    this.#onClose(this);
  }

  status(): AsyncIterable<ClientStatus> {
    return this.#runtime.status.iterate(this.#owner);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates every topic producer (concurrently); on any failure closes those created and throws.
 * A CreateProducer already sent is answered before `ctx`'s signals make it throw CANCELLED.
 */
export async function createProducer(
  runtime: ClientRuntime,
  options: ResolvedProducerOptions,
  ctx: CallContext,
  onClose: (producer: Producer<unknown>) => void,
): Promise<Producer<unknown>> {
  const topics =
    options.partitions === undefined
      ? [{ topic: options.topic, name: options.name }]
      : Array.from({ length: options.partitions }, (_, i) => ({
          topic: partitionTopicName(options.topic, i),
          name: `${options.name}-${i}`,
        }));
  const owner = {};
  const emit = (status: ClientStatus) => runtime.status.emit(status, [owner]);
  // The schema version is resolved once (registering it first when asked to) and stamped on
  // every message of every partition, across re-creates too (the id is the subject's).
  const binding = options.schema;
  const schema =
    binding === undefined
      ? undefined
      : {
          reference: binding.reference(),
          stamp: await binding.resolve(runtime.schema(), {
            signal: ctx.signal,
            timeoutMs: Number.isFinite(ctx.deadline) ? Math.max(1, ctx.deadline - Date.now()) : undefined,
          }),
        };
  const producers = topics.map(
    (t) => new TopicProducer(runtime, t.topic, t.name, { ...options, schema }, emit),
  );
  const results = await Promise.allSettled(producers.map((p) => p.create(ctx)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) {
    // Also those registered on the broker (other partitions, or one whose CreateProducer was
    // answered after `ctx` stopped): they stop, and the broker forgets them once they are silent.
    for (const p of producers) p.close();
    throw toDanubeError(failed.reason, ctx.operation);
  }
  return new ProducerImpl(runtime, options, producers, owner, onClose);
}

/** Refuses, before any RPC, a message the broker's gRPC limit would reject. */
function assertMessageSize(
  payload: Uint8Array,
  attributes: Record<string, string>,
  key: string | undefined,
  max: number,
): void {
  let size = payload.byteLength + (key === undefined ? 0 : Buffer.byteLength(key));
  for (const [k, v] of Object.entries(attributes)) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (size > max) {
    throw invalidArgument("payload", `message of ${size} bytes exceeds maxMessageBytes (${max})`);
  }
}
